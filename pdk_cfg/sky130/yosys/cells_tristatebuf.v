// eqchip: map yosys' tristate buffer onto sky130_fd_sc_hd__ebufn_2 (active-low enable).
module \$_TBUF_ (input A, input E, output Y);
    sky130_fd_sc_hd__ebufn_2 _TECHMAP_REPLACE_ (.A(A), .TE_B(~E), .Z(Y));
endmodule
