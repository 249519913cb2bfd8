# eqchip: core power grid for sky130_fd_sc_hd.
# met1 follow-pin rails on the standard-cell rows, met4 vertical and met5 horizontal straps.
set_voltage_domain -name {CORE} -power {VDD} -ground {VSS}

define_pdn_grid -name {core} -voltage_domains {CORE} -pins {met4 met5}
add_pdn_stripe -grid {core} -layer {met1} -width {0.48} -followpins
add_pdn_stripe -grid {core} -layer {met4} -width {1.6} -pitch {56.0} -offset {8.0} \
    -extend_to_core_ring
add_pdn_stripe -grid {core} -layer {met5} -width {1.6} -pitch {56.0} -offset {8.0} \
    -extend_to_core_ring
add_pdn_connect -grid {core} -layers {met1 met4}
add_pdn_connect -grid {core} -layers {met4 met5}
