# eqchip's postroute.parasitics node (eqchip.asic.tasks.parasitics): the routed design's wire
# parasitics as SPEF and its netlist for gate-level power.
#
# The PDK carries no OpenRCX deck, so the parasitics are OpenROAD's estimate from the global
# routes (the routed design keeps them; the placement estimate if it has none), with the
# PDK's per-layer RC (SC's sc_setup_parasitics, as every OpenROAD step of the flow uses them).
# The netlist leaves out the instances whose master has no Liberty cell (fill and tap cells:
# no pins, no power, no simulation model); everything else of the final design stays: clock
# tree buffers, resized and inserted cells, antenna diodes, decaps.

source ./sc_manifest.tcl
set sc_refdir [sc_cfg_tool_task_get refdir]
source "$sc_refdir/apr/preamble.tcl"

if { [sc_has_routing] || [sc_has_global_routing] } {
    set eqchip_estimate -global_routing
} else {
    set eqchip_estimate -placement
}
# the power scenario's (the design's corner): with several timing scenarios OpenROAD writes one
# file per scenario, reports/<top>_<scenario>.spef; the others stay in reports/
set eqchip_scene [sc_cfg_tool_task_get var power_corner]
puts "EQCHIP_PARASITICS estimate_parasitics $eqchip_estimate, scenario $eqchip_scene"
estimate_parasitics $eqchip_estimate -spef_file "reports/${sc_topmodule}.spef"
if { [file exists "reports/${sc_topmodule}_${eqchip_scene}.spef"] } {
    file rename -force "reports/${sc_topmodule}_${eqchip_scene}.spef" \
        "outputs/${sc_topmodule}.spef"
} else {
    file rename -force "reports/${sc_topmodule}.spef" "outputs/${sc_topmodule}.spef"
}

set eqchip_no_liberty {}
foreach eqchip_lib [[ord::get_db] getLibs] {
    foreach eqchip_master [$eqchip_lib getMasters] {
        set eqchip_name [$eqchip_master getName]
        if { [llength [get_lib_cells -quiet */$eqchip_name]] == 0 } {
            lappend eqchip_no_liberty $eqchip_name
        }
    }
}
puts "EQCHIP_NO_LIBERTY [llength $eqchip_no_liberty]: $eqchip_no_liberty"
write_verilog -remove_cells $eqchip_no_liberty "outputs/${sc_topmodule}.vg"

utl::pop_metrics_stage
