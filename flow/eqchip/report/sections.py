"""The sections of report.json (docs/report.md), each a plain dict of figures
`{value, unit, source}` built from one kind of input: netlist area, OpenSTA power, timing,
design parameters, tool versions, cross-checks against metrics.json."""

from __future__ import annotations

import platform
from pathlib import Path

from eqchip.config import LoadedDesign
from eqchip.report.activity import StepActivity
from eqchip.report.inputs import dig
from eqchip.report.internal_power import InternalPowerResult
from eqchip.report.liberty import CellLogic
from eqchip.report.netlist import Netlist
from eqchip.report.power import PowerReport, PowerRun
from eqchip.report.propagate import Annotation


def fig(value: float | int | None, unit: str, source: str) -> dict | None:
    return None if value is None else {"value": value, "unit": unit, "source": source}


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
    msrc = (f"{n_macro} x {spec.name} area (eqchip.macros.model: cells + periphery, "
            f"pdk_cfg/mram/{loaded.tech.name}.yaml)")
    w, h = dig(metrics, "macros", "width_um"), dig(metrics, "macros", "height_um")
    if isinstance(w, int | float) and isinstance(h, int | float):
        macro = n_macro * float(w) * float(h)
        msrc = (f"{n_macro} x {spec.name} LEF size {w} x {h} um (metrics.json macros."
                "width_um x height_um)")
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
                                f"eqchip.report.internal_power ({which} activity, Liberty "
                                f"internal_power tables at {internal.slew_ns:g} ns slew)")
    else:
        osta = sum(g.internal_w for n, g in r.groups.items() if n != "Macro")
        out["internal_w"] = fig(osta, "W", src + ": internal")
    out["dynamic_w"] = fig(out["switching_w"]["value"] + out["internal_w"]["value"], "W",
                           "switching_w + internal_w")
    out["total_w"] = fig(out["dynamic_w"]["value"] + leak, "W", "dynamic_w + leakage_w")
    return out


def check(check_id: str, name: str, expected: float | str, actual: float | str,
          rel: float = 0.0) -> dict:
    """One cross-check; `check_id` is a short stable key (regression baselines use it)."""
    if rel and isinstance(expected, int | float) and isinstance(actual, int | float):
        ok = abs(actual - expected) <= rel * max(abs(expected), abs(actual))
    else:
        ok = expected == actual
    return {"id": check_id, "name": name, "expected": expected, "actual": actual, "ok": ok}


def metrics_checks(metrics: dict, loaded: LoadedDesign, area: dict | None,
                    run: PowerRun | None) -> list[dict]:
    """The report's own numbers against `eqchip build`'s metrics.json (same netlist)."""
    out: list[dict] = []
    sha = metrics.get("design_sha256")
    if isinstance(sha, str):
        out.append(check("design_sha256", "design YAML is the one the build used (sha256)",
                         sha, loaded.sha256))
    std = dig(metrics, "area", "stdcell_um2")
    if area is not None and isinstance(std, int | float):
        out.append(check("stdcell_area",
                         "standard-cell area: netlist x Liberty = metrics.json area.stdcell_um2"
                         " (within 0.1 %)", float(std), area["stdcell_um2"]["value"], 1e-3))
    slack = dig(metrics, "timing", "setup_slack_ns")
    if run is not None and run.setup_slack_ns is not None and isinstance(slack, int | float):
        out.append(check("setup_slack",
                         "worst setup slack: report's OpenSTA run = metrics.json (within 1 %)",
                         float(slack), run.setup_slack_ns, 1e-2))
    return out


def design_section(loaded: LoadedDesign) -> dict:
    a = loaded.arch
    return {
        "name": a.name, "path": str(loaded.path), "sha256": loaded.sha256,
        "layers": list(a.layers), "n_synapses": a.n_synapses, "n_dynamic_neurons": a.n_dynamic,
        "clock_mhz": loaded.design.clock.freq_mhz, "clock_period_ns": a.clock_period_ns,
        "parameters": {
            "state_bits": a.state_bits, "weight_bits": a.weight_bits,
            "weight_frac": a.weight_frac, "bias_bits": a.bias_bits, "acc_bits": a.acc_bits,
            "t1": a.t1, "t2": a.t2, "beta_shift": a.beta_shift, "symmetric": a.symmetric,
            "mac_units": a.mac_units, "word_bits": a.word_bits,
            "weights_per_word": a.weights_per_word, "words_per_macro": a.words_per_macro,
            "macros": a.total_macros, "macro_module": a.macro_module,
            "words": [m.words for m in a.matrices],
            "lr_shifts": [m.lr_shift for m in a.matrices],
        },
    }


def tools_section(run: PowerRun | None, metrics: dict) -> dict:
    out: dict[str, str | None] = {"python": platform.python_version(),
                                  "opensta_version": run.sta_version if run else None}
    built = metrics.get("tools") if isinstance(metrics.get("tools"), dict) else {}
    for k, v in built.items():
        if isinstance(v, str):
            out[f"build_{k}" if k.endswith(("version", "kind")) else f"build_{k}_version"] = v
    for mod, key in (("siliconcompiler", "siliconcompiler_version"),
                     ("klayout", "klayout_version"), ("matplotlib", "matplotlib_version")):
        try:
            from importlib.metadata import version

            out[key] = version(mod)
        except Exception:  # noqa: BLE001 - a missing package is reported as None
            out[key] = None
    try:
        from pyosys import libyosys as ys

        out["yosys_version"] = ys.yosys_maybe_version() if hasattr(
            ys, "yosys_maybe_version") else None
    except ImportError:
        out["yosys_version"] = None
    return out


def timing_section(run: PowerRun | None, period_ns: float, metrics: dict) -> dict:
    out: dict = {"clock_period_ns": fig(period_ns, "ns", "design clock.freq_mhz")}
    stage = dig(metrics, "timing", "stage")
    for key in ("setup_slack_ns", "setup_tns_ns", "hold_slack_ns", "hold_tns_ns",
                "achievable_freq_mhz"):
        v = dig(metrics, "timing", key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            unit = "MHz" if key.endswith("mhz") else "ns"
            out[key] = fig(float(v), unit, f"metrics.json timing.{key}"
                           + (f" ({stage})" if isinstance(stage, str) else ""))
    if run is not None and run.setup_slack_ns is not None:
        out["setup_slack_sta_ns"] = fig(run.setup_slack_ns, "ns",
                                        f"OpenSTA worst setup slack ({run.log.name})")
        arrival = period_ns - run.setup_slack_ns
        out["worst_path_ns"] = fig(arrival, "ns", "clock period - worst setup slack")
        if arrival > 0:
            out["fmax_mhz"] = fig(1000.0 / arrival, "MHz", "1000 / worst_path_ns")
    return out


def power_section(run: PowerRun | None, sa: StepActivity | None, ann: Annotation | None,
                   nl: Netlist | None, lib: dict[str, CellLogic] | None,
                   logic: dict[str, dict], ann_rtl: Annotation | None,
                   gsa: StepActivity | None) -> dict | None:
    if run is None:
        return None
    method = ("gate-level simulation of the netlist (eqchip.report.gatesim): every net's "
              "toggles counted" if gsa is not None else
              "RTL VCD on the nets that kept their names, propagated through the gates "
              "(eqchip.report.propagate)")
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
