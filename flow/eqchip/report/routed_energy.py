"""Post-route energy: the headline energy of a routed build, and where it differs from the
post-synthesis figure (pure arithmetic on metrics.json's `power_post_route`, the
`postroute.power` node's activity_power.json, and the post-synthesis records).

The post-route logic power is the routed netlist's (clock-tree buffers, resizing and inserted
buffers included; OpenSTA with the SPEF of OpenROAD's estimated parasitics), annotated with a
gate-level simulation of the same training step and inference window as post-synthesis. The
energy is eqchip.report.energy's with that power and the post-route node's own counters (the
MRAM parts are the same model). The difference to post-synthesis, per window (training step,
inference), is split into

    clock tree  = P_clock_network(post-route, SPEF) - P_clock_network(post-synthesis)
    wires       = [P_post - P_post(wire-load model)] - [P_clock_network(SPEF) -
                  P_clock_network(wire-load model)]        (signal wires beyond the wire-load
                                                            model; the clock nets' are in the
                                                            clock tree)
    resizing and buffers = (P_post - P_syn) - clock tree - wires

(P_clock_network: the clock network's cells - clock-tree buffers and inverters, clock gates -
with the power of the nets they drive, eqchip.power.routed), each times the window's cycles x
T_clk: the three parts add up to the energy difference by construction, which a cross-check
states.
"""

from __future__ import annotations

from typing import Any

from eqchip.figures import check
from eqchip.golden.counters import Counters
from eqchip.report.energy import EnergyReport, Figure, PowerInputs

SOURCE = "postroute.power reports/activity_power.json (metrics.json power_post_route)"
METHOD = ("clock tree = clock network (clock-tree buffers and inverters, clock gates, the nets "
          "they drive) post-route with the SPEF - post-synthesis; wires = (post-route - the same "
          "with the Liberty wire-load model) - (the same of the clock network); resizing and "
          "buffers = the rest of post-route - post-synthesis; each power x the window's cycles "
          "x T_clk (eqchip.report.routed_energy)")
PARTS = ("clock_tree", "wires", "resizing_buffers")


def _total(x: dict | None) -> float | None:
    v = ((x or {}).get("total_w") or {}).get("value")
    return float(v) if isinstance(v, int | float) else None


def routed_inputs(pr: dict | None, mram: dict[str, Figure], n_macros: int
                  ) -> tuple[PowerInputs, PowerInputs | None, Counters, Counters | None] | None:
    """(training-step power, inference power, training counters, inference counters) of the
    routed design; None when the build has no post-route annotated power."""
    lp = ((pr or {}).get("logic") or {}).get("annotated")
    c = (pr or {}).get("counters")
    if not lp or not c:
        return None
    pin = PowerInputs(
        logic_dynamic_w=Figure(lp["dynamic_w"]["value"], "W",
                               f"post-route annotated logic power: OpenSTA switching with the "
                               f"SPEF + eqchip internal ({SOURCE})"),
        logic_leakage_w=Figure(lp["leakage_w"]["value"], "W", lp["leakage_w"]["source"]),
        n_macros=n_macros, **mram)
    inf = (pr or {}).get("inference") or {}
    ilp = inf.get("logic")
    pin_inf = None if not ilp else PowerInputs(
        logic_dynamic_w=Figure(ilp["dynamic_w"]["value"], "W",
                               "post-route inference-window annotated logic power: OpenSTA "
                               f"switching with the SPEF + eqchip internal ({SOURCE} "
                               "inference.logic)"),
        logic_leakage_w=Figure(ilp["leakage_w"]["value"], "W", ilp["leakage_w"]["source"]),
        n_macros=n_macros, **mram)
    inf_c = Counters(inf["cycles"], inf["mram_reads"], inf["mram_writes"]) if ilp else None
    return pin, pin_inf, Counters(c["cycles"], c["mram_reads"], c["mram_writes"]), inf_c


def _breakdown(post_w: float | None, syn_w: float | None, clk_post: float | None,
               clk_syn: float | None, wl_w: float | None, clk_wl: float | None,
               t_ns: float, notes: list[str], what: str) -> dict[str, Any] | None:
    if None in (post_w, syn_w, clk_post, wl_w, clk_wl):
        notes.append(f"post-route {what}: the difference to post-synthesis is not broken down "
                     "(the post-route node's clock-network or wire-load power is missing)")
        return None
    if clk_syn is None:
        notes.append(f"post-route {what}: the post-synthesis clock network's power is not in "
                     "this build's synthesis.power record (an older one): the clock tree part "
                     "counts the whole post-route clock network, and resizing and buffers "
                     "absorb what post-synthesis counted for it")
        clk_syn = 0.0
    d = post_w - syn_w
    clock = clk_post - clk_syn
    wires = (post_w - wl_w) - (clk_post - clk_wl)
    rest = d - clock - wires
    to_pj = t_ns * 1e3                       # W x ns = nJ = 1e3 pJ
    src = f"x {t_ns:g} ns ({what})"
    return {
        "difference_uw": Figure(d * 1e6, "uW", "P_logic post-route - post-synthesis"),
        "clock_tree_uw": Figure(clock * 1e6, "uW", "clock network post-route (SPEF) - "
                                "post-synthesis (clock-tree buffers and inverters, clock "
                                "gates, the nets they drive)"),
        "wires_uw": Figure(wires * 1e6, "uW", "(P_post - P_post with the wire-load model) - "
                           "(the same of the clock network): signal wires from the SPEF beyond "
                           "the Liberty wire-load model"),
        "resizing_buffers_uw": Figure(rest * 1e6, "uW", "difference - clock tree - wires "
                                      "(resized and inserted cells, antenna diodes, activity)"),
        "difference_pj": Figure(d * to_pj, "pJ", f"difference_uw {src}"),
        "clock_tree_pj": Figure(clock * to_pj, "pJ", f"clock_tree_uw {src}"),
        "wires_pj": Figure(wires * to_pj, "pJ", f"wires_uw {src}"),
        "resizing_buffers_pj": Figure(rest * to_pj, "pJ", f"resizing_buffers_uw {src}"),
    }


def routed_section(pr: dict, ap: dict | None, post: EnergyReport, syn: EnergyReport,
                   syn_logic: dict | None) -> tuple[dict, list[dict], list[str]]:
    """report.json's `post_route_energy`, its cross-checks and notes."""
    notes: list[str] = []
    checks: list[dict] = [{**c, "id": f"post_route_{c['id']}",
                           "name": f"post-route: {c['name']}"} for c in pr.get("checks") or []]
    sc, pc = syn.training.counters, post.training.counters
    checks.append(check("post_route_training_counters",
                        "post-route training cycles / MRAM reads / writes = post-synthesis",
                        f"{sc.cycles}/{sc.mram_reads}/{sc.mram_writes}",
                        f"{pc.cycles}/{pc.mram_reads}/{pc.mram_writes}"))
    si, pi = syn.inference.counters, post.inference.counters
    checks.append(check("post_route_inference_counters",
                        "post-route inference cycles / MRAM reads / writes = post-synthesis",
                        f"{si.cycles}/{si.mram_reads}/{si.mram_writes}",
                        f"{pi.cycles}/{pi.mram_reads}/{pi.mram_writes}"))
    pcn, scn = pr.get("clock_network") or {}, (ap or {}).get("clock_network") or {}
    wl = pr.get("post_route") or {}
    windows: dict[str, Any] = {}
    for key, op_post, op_syn, logic_post, logic_syn in (
            ("training_step", post.training, syn.training,
             (pr.get("logic") or {}).get("annotated"), (syn_logic or {}).get("annotated")),
            ("inference", post.inference, syn.inference,
             ((pr.get("inference") or {}).get("logic")),
             ((ap or {}).get("inference") or {}).get("logic"))):
        b = _breakdown(_total(logic_post), _total(logic_syn), _total(pcn.get(key)),
                       _total(scn.get(key)), _total((wl.get(key) or {}).get("wire_load")),
                       _total((wl.get(key) or {}).get("clock_network_wire_load")),
                       op_post.time_ns, notes, key.replace("_", " "))
        windows[key] = {"post_route_pj": op_post.total().as_dict(),
                        "post_synthesis_pj": op_syn.total().as_dict(),
                        "breakdown": None if b is None else {k: v.as_dict()
                                                             for k, v in b.items()}}
        if b is not None:
            parts = sum(b[f"{p}_pj"].value for p in PARTS)
            checks.append(check(
                f"post_route_{key}_breakdown",
                f"post-route {key.replace('_', ' ')}: energy - post-synthesis energy = clock "
                "tree + wires + resizing and buffers (pJ, within 1e-6)",
                op_post.total_pj - op_syn.total_pj, parts, 1e-6))
    macs = post.figures["synops_per_inference"].value
    inf_b = windows["inference"]["breakdown"]
    per_mac = {"post_route": post.figures["pj_per_synop_inference"].as_dict(),
               "post_synthesis": syn.figures["pj_per_synop_inference"].as_dict()}
    if inf_b is not None:
        for p in ("difference", *PARTS):
            per_mac[p] = Figure(inf_b[f"{p}_pj"]["value"] / macs, "pJ/MAC",
                                f"inference {p}_pj / {macs:g} MACs").as_dict()
    section = {
        "source": SOURCE, "stage": pr.get("stage"), "spef": pr.get("spef"),
        "clock_network": {k: pcn.get(k) for k in ("tree_cells", "clock_gates", "by_type")},
        "clock_network_post_synthesis": {k: scn.get(k) for k in ("tree_cells", "clock_gates")}
        if scn else None,
        "training_step": windows["training_step"], "inference": windows["inference"],
        "per_mac_inference": per_mac,
        "figures_post_synthesis": {k: v.as_dict() for k, v in syn.figures.items()},
        "method": METHOD,
    }
    return section, checks, notes
