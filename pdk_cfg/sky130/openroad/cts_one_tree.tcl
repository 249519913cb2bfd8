# eqchip: clock tree synthesis builds one tree for the macros, clock gates and flip-flops
# (OpenROAD's -no_insertion_delay), sourced by SiliconCompiler's CTS step as a prescript.
#
# Why: by default TritonCTS puts the macros' clock pins and the clock-gate cells that drive
# register groups in a separate "macro" tree and clusters its sinks; on eqchip's datapath (two
# MRAM macros beside 20-30 integrated clock gates on the root net) OpenROAD 26Q3-1551 then stops
# with "[ERROR CTS-0080] Sink not found" (HTreeBuilder, leaf level of the macro tree) whatever
# the macro clustering size and diameter. The MRAM macros' Liberty views carry no clock-tree
# insertion delay, so the separate macro tree has nothing to balance: one tree is the same
# clock-tree problem without the failing path. SiliconCompiler's CTS script has no variable for
# the flag, so its `clock_tree_synthesis` call is given it here.
if { [info commands eqchip_clock_tree_synthesis] == "" } {
    rename clock_tree_synthesis eqchip_clock_tree_synthesis
    proc clock_tree_synthesis { args } {
        eqchip_clock_tree_synthesis -no_insertion_delay {*}$args
    }
}
