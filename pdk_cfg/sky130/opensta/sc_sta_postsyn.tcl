# eqchip post-synthesis timing with OpenSTA 2.x (Debian's `sta`); its vectorless report_power
# is SiliconCompiler's node metric only (eqchip's logic power: the synthesis.power node).
# Inputs come from ./sta_inputs.tcl, written by PostSynthesisStaTask.pre_process():
#   sta_top, sta_netlist, sta_liberty (list), sta_sdc (list), sta_macro_cells (list),
#   sta_input_activity, sta_top_n
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
