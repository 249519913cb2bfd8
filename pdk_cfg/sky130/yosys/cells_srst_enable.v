// eqchip: synchronous-reset flip-flops with an enable become plain enable flip-flops whose
// enable also fires during reset (sky130_fd_sc_hd has no synchronous-reset flip-flops anyway),
// so that yosys' `clockgate` can put them behind integrated clock gates (dlclkp).
// $_SDFFE_<clk><rst pol><rst value><en pol>_: reset wins over enable.
module \$_SDFFE_PP0P_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D & ~(R)), .E((E) | (R)), .Q(Q));
endmodule

module \$_SDFFE_PP0N_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D & ~(R)), .E((~E) | (R)), .Q(Q));
endmodule

module \$_SDFFE_PP1P_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D | (R)), .E((E) | (R)), .Q(Q));
endmodule

module \$_SDFFE_PP1N_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D | (R)), .E((~E) | (R)), .Q(Q));
endmodule

module \$_SDFFE_PN0P_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D & ~(~R)), .E((E) | (~R)), .Q(Q));
endmodule

module \$_SDFFE_PN0N_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D & ~(~R)), .E((~E) | (~R)), .Q(Q));
endmodule

module \$_SDFFE_PN1P_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D | (~R)), .E((E) | (~R)), .Q(Q));
endmodule

module \$_SDFFE_PN1N_ (input C, input D, input R, input E, output Q);
    \$_DFFE_PP_ _TECHMAP_REPLACE_ (.C(C), .D(D | (~R)), .E((~E) | (~R)), .Q(Q));
endmodule
