# eqchip post-synthesis timing with OpenSTA 2.x (Debian's `sta`); its vectorless report_power
# is SiliconCompiler's node metric only (eqchip's logic power: the synthesis.power node).
# Inputs come from ./sta_inputs.tcl, written by PostSynthesisStaTask.pre_process():
#   sta_top, sta_netlist, sta_liberty (list), sta_sdc (list), sta_macro_cells (list),
#   sta_input_activity, sta_top_n, sta_fmax_sdc (the constraints at eqchip.asic.fmax's
#   reference period)
source ./sta_inputs.tcl

file mkdir reports

foreach lib_file $sta_liberty {
    read_liberty $lib_file
}
read_verilog $sta_netlist
link_design $sta_top
foreach sdc_file $sta_sdc {
    read_sdc $sdc_file
}

# Vectorless power: default toggle rate on the primary inputs, clocks from the SDC.
set_power_activity -input -activity $sta_input_activity

proc eqchip_metric { name value } {
    puts "EQCHIP_METRIC: $name $value"
}

report_checks -path_delay max -group_count $sta_top_n -fields {slew cap input_pins} \
    -digits 4 > reports/setup.rpt
report_checks -path_delay min -group_count $sta_top_n -digits 4 > reports/hold.rpt
report_checks -unconstrained -path_delay max -digits 4 > reports/unconstrained.rpt
report_power -digits 6 > reports/power.rpt

eqchip_metric setupslack [sta::format_time [sta::worst_slack_cmd max] 6]
eqchip_metric holdslack [sta::format_time [sta::worst_slack_cmd min] 6]
eqchip_metric setuptns [sta::format_time [sta::total_negative_slack_cmd max] 6]
eqchip_metric holdtns [sta::format_time [sta::total_negative_slack_cmd min] 6]

# fmax as a property of the netlist: the worst setup slack of each class of paths, timed
# again with the same constraints at a reference period (sta_fmax_sdc; OpenSTA's times are
# single precision: at a 1 ms target a slack is only good to 0.06 ns). The reports above are
# written already; the false paths below only separate the classes. PostSynthesisStaTask
# (eqchip.asic.fmax) turns each into the shortest period that class allows: register to
# register (flip-flops and MRAM macros) is the achievable clock; the I/O classes scale with
# the SDC's input/output delays (a fraction of the period).
proc eqchip_worst_slack { name args } {
    set ends [find_timing_paths -path_delay max -group_count 1 {*}$args]
    if { [llength $ends] > 0 } {
        eqchip_metric $name [sta::format_time [[lindex $ends 0] slack] 6]
    }
}
if { [info exists sta_fmax_sdc] } {
    read_sdc $sta_fmax_sdc
    eqchip_worst_slack inoutslack -from [all_inputs] -to [all_outputs]
    set_false_path -from [all_inputs] -to [all_outputs]
    eqchip_worst_slack inslack -from [all_inputs]
    eqchip_worst_slack outslack -to [all_outputs]
    set_false_path -from [all_inputs]
    set_false_path -to [all_outputs]
    eqchip_worst_slack regslack
}

# MRAM macro instances (their count is a node metric).
set macro_insts {}
foreach inst [get_cells *] {
    set ref [get_property $inst ref_name]
    if { [lsearch -exact $sta_macro_cells $ref] != -1 } {
        lappend macro_insts $inst
    }
}
eqchip_metric macros [llength $macro_insts]
puts "EQCHIP_DONE"
