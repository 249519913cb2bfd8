// eqchip: map the full adders found by `extract_fa` onto sky130_fd_sc_hd__fa_1.
// yosys $fa: Y = A ^ B ^ C (sum), X = carry.
(* techmap_celltype = "$fa" *)
module _eqchip_sky130_fa (A, B, C, X, Y);
    parameter WIDTH = 1;
    input  [WIDTH-1:0] A, B, C;
    output [WIDTH-1:0] X, Y;
    genvar i;
    generate
        for (i = 0; i < WIDTH; i = i + 1) begin : bit
            sky130_fd_sc_hd__fa_1 fa (.A(A[i]), .B(B[i]), .CIN(C[i]), .COUT(X[i]), .SUM(Y[i]));
        end
    endgenerate
endmodule
