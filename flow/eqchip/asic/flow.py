"""eqchip's flowgraph: SiliconCompiler's standard ASIC flow, with post-synthesis timing and
power from eqchip's own `sta` task in place of SC's OpenSTA timing node (which needs
OpenSTA >= 2.6.2), and eqchip's floorplan sizing between synthesis and OpenROAD's cleanup and
floorplan steps (so one SC run does the whole flow), and post-route power after the last
place-and-route step: OpenROAD's estimated parasitics of the routed design
(postroute.parasitics), then the routed netlist's gate-level simulation and annotated power with
them (postroute.power)."""

from __future__ import annotations

from siliconcompiler import Flowgraph
from siliconcompiler.flows.asicflow import ASICFlow

from eqchip.asic.tasks.activity_power import STEP as POWER_STEP
from eqchip.asic.tasks.activity_power import ActivityPowerTask
from eqchip.asic.tasks.floorplan_size import STEP as FLOORPLAN_STEP
from eqchip.asic.tasks.floorplan_size import FloorplanSizeTask
from eqchip.asic.tasks.parasitics import STEP as PARASITICS_STEP
from eqchip.asic.tasks.parasitics import ParasiticsTask
from eqchip.asic.tasks.routed_power import STEP as ROUTED_POWER_STEP
from eqchip.asic.tasks.routed_power import RoutedPowerTask
from eqchip.asic.tasks.sta_debian import PostSynthesisStaTask

FLOW_NAME = "eqchip-asicflow"
STA_STEP = "synthesis.sta"

#: steps that run with tools this machine class can have without OpenROAD, and their tools
#: ("python": eqchip's own pure-Python SC tasks, always available)
FRONTEND_TOOLS = {"elaborate": "slang", "synthesis": "yosys", STA_STEP: "sta",
                  POWER_STEP: "python", FLOORPLAN_STEP: "python"}
FRONTEND_STEPS = tuple(FRONTEND_TOOLS)
#: the place-and-route step whose design the post-route power analyses (the final layout,
#: what write.views and write.gds export)
ROUTED_STEP = "dfm.metal_fill"
#: every tool a step needs, where it is more than the one that runs it (capabilities): the
#: post-route power simulates the routed netlist (Icarus) and runs OpenSTA (`sta`)
STEP_TOOLS = {PARASITICS_STEP: ("openroad",), ROUTED_POWER_STEP: ("python", "icarus", "sta")}


def make_flow() -> Flowgraph:
    """elaborate (slang) -> synthesis (yosys) -> synthesis.sta (Debian sta, eqchip task);
    synthesis -> synthesis.power (co-simulation, gate-level simulation, annotated power);
    synthesis -> floorplan.size (eqchip task) -> cleanup.clean -> floorplan.* -> place.* ->
    cts.* -> route.* -> dfm -> write.*; dfm -> postroute.parasitics (OpenROAD: SPEF, routed
    netlist) -> postroute.power (gate-level simulation, annotated power with the SPEF)"""
    flow = ASICFlow(name=FLOW_NAME, language="systemverilog")
    if "synthesis.timing" in flow.getkeys():
        flow.remove_node("synthesis.timing")
    # synthesis -> floorplan.size -> cleanup.clean (SC's insert_node puts the new node after
    # "synthesis", taking over its outputs; the netlist passes through unchanged)
    flow.insert_node(FLOORPLAN_STEP, FloorplanSizeTask(), "synthesis")
    flow.node(STA_STEP, PostSynthesisStaTask())
    flow.edge("synthesis", STA_STEP)
    flow.node(POWER_STEP, ActivityPowerTask())
    flow.edge("synthesis", POWER_STEP)
    flow.node(PARASITICS_STEP, ParasiticsTask())
    flow.edge(ROUTED_STEP, PARASITICS_STEP)
    flow.node(ROUTED_POWER_STEP, RoutedPowerTask())
    flow.edge(PARASITICS_STEP, ROUTED_POWER_STEP)
    return flow


def flow_steps(flow: Flowgraph) -> list[str]:
    """Steps in execution order (each step once)."""
    seen: list[str] = []
    for level in flow.get_execution_order():
        for step, _ in level:
            if step not in seen:
                seen.append(step)
    return seen


def step_predecessors(flow: Flowgraph) -> dict[str, set[str]]:
    """Steps each step takes its inputs from (over all indices of the step)."""
    out: dict[str, set[str]] = {}
    for step, index in flow.get_nodes():
        out.setdefault(step, set()).update(s for s, _ in
                                           flow.get_graph_node(step, index).get_input())
    return out
