"""Assertions on the post-route energy of a routed build (postroute.parasitics,
postroute.power, the report's post-route headline), for tests/test_route.py's `routed` build:
each function takes that build's folder (`routed.dir`). Not a test module itself (one routed
build per suite: the `routed` fixture is module-scoped in test_route.py), its tests call these.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from eqchip.asic.state import read_metrics, read_state
from eqchip.asic.tasks.parasitics import STEP as PARASITICS_STEP
from eqchip.asic.tasks.routed_power import STEP as ROUTED_POWER_STEP
from eqchip.asic.tasks.routed_power import routed_power_metrics


def check_post_route_nodes(build: Path) -> None:
    """Both nodes ran with their tools; the SPEF holds the routed nets; the power netlist has
    the clock tree and no fill or tap cell."""
    state = read_state(build)
    nodes = {n.step: n for n in state.nodes}
    assert nodes[PARASITICS_STEP].tool == "openroad" and nodes[PARASITICS_STEP].status == \
        "success", nodes[PARASITICS_STEP]
    assert nodes[ROUTED_POWER_STEP].status == "success", nodes[ROUTED_POWER_STEP]
    out = state.job_dir / PARASITICS_STEP / "0" / "outputs"
    spef = (out / f"{state.top}.spef").read_text()
    nets = re.findall(r"^\*D_NET (\S+) ([0-9.eE+-]+)", spef, re.M)
    assert len(nets) > 100 and all(float(c) >= 0 for _, c in nets)
    assert any(n.startswith("clknet") and float(c) > 0 for n, c in nets)
    netlist = (out / f"{state.top}.vg").read_text()
    assert "sky130_fd_sc_hd__clkbuf_" in netlist
    assert "sky130_fd_sc_hd__fill_" not in netlist and "tapvpwrvgnd" not in netlist


def check_post_route_power(build: Path) -> dict:
    """The routed netlist's power: measured with the SPEF, the same windows and counts as
    post-synthesis, every check of the node true, a clock tree that costs power; returns the
    metrics.json section."""
    state = read_state(build)
    pr = routed_power_metrics(state.job_dir, state.completed)
    assert pr is not None
    metrics = read_metrics(build).doc()
    assert pr["spef"] and Path(pr["spef"]).name == f"{state.top}.spef"
    assert pr["checks"] and all(c["ok"] for c in pr["checks"]), pr["checks"]
    syn = metrics["activity_power"]["counters"]
    assert {k: pr["counters"][k] for k in ("cycles", "mram_reads", "mram_writes")} == \
        {k: syn[k] for k in ("cycles", "mram_reads", "mram_writes")}
    cn = pr["clock_network"]
    assert cn["tree_cells"] > 0 and cn["training_step"]["total_w"]["value"] > 0
    post = pr["logic"]["annotated"]["total_w"]["value"]
    wire_load = pr["post_route"]["training_step"]["wire_load"]["total_w"]["value"]
    # the routed wires load the nets more than the wire-load model
    assert post > wire_load > 0
    return pr


def check_post_route_report(build: Path) -> None:
    """The report's headline energy is the post-route one, the post-synthesis one beside it,
    the difference split into parts that add up (the report of the build itself when
    metrics.json carries power_post_route, else composed from the same records)."""
    from eqchip.config import load_design
    from eqchip.report.analysis import compose

    state = read_state(build)
    metrics = read_metrics(build).doc()
    if metrics.get("power_post_route"):
        data = json.loads((build / "report.json").read_text())
    else:
        metrics["power_post_route"] = routed_power_metrics(state.job_dir, state.completed)
        ap = json.loads(Path(state.views.activity).read_text())
        data = compose(load_design(state.design_path), metrics, ap, {}).data
    assert data["energy_stage"] == "post-route"
    pr = data["post_route_energy"]
    head = data["energy"]["figures"]
    assert head["pj_per_synop_inference"] == pr["per_mac_inference"]["post_route"]
    syn = data["energy_post_synthesis"]["figures"]["pj_per_synop_inference"]["value"]
    assert pr["per_mac_inference"]["post_synthesis"]["value"] == syn
    assert head["pj_per_synop_inference"]["value"] > syn
    for window in ("inference", "training_step"):
        b = pr[window]["breakdown"]
        assert b["clock_tree_pj"]["value"] > 0 and b["wires_pj"]["value"] > 0
    checks = {c["id"]: c for c in data["cross_checks"]}
    for cid in ("post_route_training_step_breakdown", "post_route_inference_breakdown",
                "post_route_training_counters", "post_route_inference_counters",
                "energy_sum_of_parts_post_route", "post_route_gls_cycles"):
        assert checks[cid]["ok"], checks[cid]
