# eqchip: well taps and end caps for sky130_fd_sc_hd (tap spacing rule: 15 um; use 14 um).
tapcell \
    -distance 14 \
    -tapcell_master sky130_fd_sc_hd__tapvpwrvgnd_1 \
    -endcap_master sky130_fd_sc_hd__decap_4
