"""The measured sections of report.json, built inside the build's `synthesis.power` node from
the netlist, Liberty and the OpenSTA power runs: netlist area, logic power (vectorless and
activity-annotated), the activity summary and the propagation check."""

from __future__ import annotations

from pathlib import Path

from eqchip.config import LoadedDesign
from eqchip.figures import dig, fig
from eqchip.power.activity import StepActivity
from eqchip.power.internal_power import InternalPowerResult
from eqchip.power.liberty import CellLogic
from eqchip.power.netlist import Netlist
from eqchip.power.power import PowerReport, PowerRun
from eqchip.power.propagate import Annotation


def area_section(nl: Netlist, lib: dict[str, CellLogic], loaded: LoadedDesign,
                 netlist_path: Path, liberty: Path, metrics: dict) -> dict:
    from eqchip.macros.spec import macro_for

    spec = macro_for(loaded.arch, loaded.tech)
    seq = comb = 0.0
    n_seq = n_comb = n_macro = 0
    unknown: dict[str, int] = {}
    for c in nl.cells:
        cl = lib.get(c.type)
        if cl is not None:
            if cl.sequential:
                seq += cl.area
                n_seq += 1
            else:
                comb += cl.area
                n_comb += 1
        elif c.type == spec.name:
            n_macro += 1
        else:
            unknown[c.type] = unknown.get(c.type, 0) + 1
    macro = n_macro * spec.area_um2
    msrc = (f"{n_macro} x {spec.name} area (eqchip.config.mram_model: cells + periphery, "
            f"{loaded.tech_file})")
    w, h = dig(metrics, "macros", "width_um"), dig(metrics, "macros", "height_um")
    if isinstance(w, int | float) and isinstance(h, int | float):
        macro = n_macro * float(w) * float(h)
        msrc = (f"{n_macro} x {spec.name} LEF size {w} x {h} um (the macro view"
                "s of the build)")
    total = seq + comb + macro
    src = f"{netlist_path.name} cells x Liberty area ({liberty.name})"

    n_syn = loaded.arch.n_synapses
    return {
        "cells": {"sequential": n_seq, "combinational": n_comb, "macros": n_macro,
                  "unknown": unknown},
        "sequential_um2": fig(seq, "um2", src),
        "combinational_um2": fig(comb, "um2", src),
        "stdcell_um2": fig(seq + comb, "um2", src),
        "macro_um2": fig(macro, "um2", msrc),
        "total_um2": fig(total, "um2", "stdcell_um2 + macro_um2 (cell area, no placement "
                                       "overhead)"),
        "per_synapse_um2": fig(total / n_syn, "um2", f"total_um2 / {n_syn} synapses"),
        "mram_per_synapse_um2": fig(macro / n_syn, "um2", f"macro_um2 / {n_syn} synapses"),
    }


def power_dict(r: PowerReport) -> dict:
    return r.as_dict()


def logic_power(r: PowerReport, internal: InternalPowerResult | None, which: str,
                log: Path) -> dict[str, dict]:
    """Standard-cell power (every OpenSTA group but the MRAM macros): OpenSTA switching and
    leakage, plus eqchip's internal power from the Liberty tables (OpenSTA's own internal
    column is not used: this OpenSTA reads too few of sky130's internal_power groups)."""
    sw = sum(g.switching_w for n, g in r.groups.items() if n != "Macro")
    leak = sum(g.leakage_w for n, g in r.groups.items() if n != "Macro")
    src = f"OpenSTA report_power ({which}, {log.name}), groups except Macro"
    out = {"switching_w": fig(sw, "W", src + ": switching"),
           "leakage_w": fig(leak, "W", src + ": leakage")}
    if internal is not None:
        out["internal_w"] = fig(internal.total_w, "W",
                                f"eqchip.power.internal_power ({which} activity, Liberty "
                                f"internal_power tables at {internal.slew_ns:g} ns slew)")
    else:
        osta = sum(g.internal_w for n, g in r.groups.items() if n != "Macro")
        out["internal_w"] = fig(osta, "W", src + ": internal")
    out["dynamic_w"] = fig(out["switching_w"]["value"] + out["internal_w"]["value"], "W",
                           "switching_w + internal_w")
    out["total_w"] = fig(out["dynamic_w"]["value"] + leak, "W", "dynamic_w + leakage_w")
    return out


def power_section(run: PowerRun | None, sa: StepActivity | None, ann: Annotation | None,
                   nl: Netlist | None, lib: dict[str, CellLogic] | None,
                   logic: dict[str, dict], ann_rtl: Annotation | None,
                   gsa: StepActivity | None) -> dict | None:
    if run is None:
        return None
    method = ("gate-level simulation of the netlist (eqchip.power.gatesim): every net's "
              "toggles counted" if gsa is not None else
              "RTL VCD on the nets that kept their names, propagated through the gates "
              "(eqchip.power.propagate)")
    out: dict = {"logic": {"vectorless": logic.get("vectorless"),
                           "annotated": logic.get("annotated"),
                           "rtl_propagated": logic.get("rtl_propagated")},
                 "annotated_method": method if run.annotated else None,
                 "vectorless": power_dict(run.vectorless),
                 "annotated": power_dict(run.annotated) if run.annotated else None,
                 "rtl_propagated": power_dict(run.extra["rtl_propagated"])
                 if "rtl_propagated" in run.extra else None,
                 "script": str(run.script), "log": str(run.log),
                 "vectorless_source": "OpenSTA report_power with its default activities",
                 "propagation_check": None, "activity": None, "notes": list(run.notes)}
    if gsa is not None and ann is not None and ann_rtl is not None:
        out["propagation_check"] = propagation_check(ann, ann_rtl)
    if sa is not None and ann is not None and nl is not None and lib is not None:
        n_flops = sum(1 for c in nl.cells if c.type in lib and lib[c.type].sequential)
        out["activity"] = {
            "vcd": str(sa.vcd), "dut_scope": sa.scope, "window_cycles": sa.cycles,
            "operations_in_vcd": sa.n_windows,
            "nets_by_origin": ann.origin_counts(),
            "flops": n_flops, "flops_matched": n_flops - len(ann.unmatched_flops),
            "flop_coverage": ann.flop_coverage(n_flops),
            "pins_annotated": run.pins_annotated, "pins_set_in_sta": run.pins_matched_in_sta,
        }
    return out


def propagation_check(gls: Annotation, rtl: Annotation) -> dict:
    """How far the propagated densities are from the gate-level simulation's, on the nets the
    RTL run had to propagate."""
    nets = [b for b, a in rtl.bits.items() if a.origin == "propagated"
            and b in gls.bits and gls.bits[b].origin == "sim"]
    if not nets:
        return {"nets": 0}
    g = [gls.bits[b].density for b in nets]
    p = [rtl.bits[b].density for b in nets]
    n = len(nets)
    return {"nets": n, "mean_density_gate_level": sum(g) / n,
            "mean_density_propagated": sum(p) / n,
            "mean_abs_error": sum(abs(x - y) for x, y in zip(g, p, strict=True)) / n}
