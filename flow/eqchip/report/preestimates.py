"""report.json's `estimates` (clock tree and wires before layout) and `sensitivity` (MRAM
parameters) sections: pure arithmetic over numbers the build recorded.

Estimates: the `synthesis.power` node records the clock sinks, the clock buffer's Liberty
numbers, the Liberty wire-load models and the signal nets by fanout with their toggles
(activity_power.json `clock_wire`, eqchip.power.clock_wire); `eqchip.report.estimates`
combines them. Post-synthesis logic power and inference energy are shown without and with the
estimates (with = without + estimate); the headline figures stay post-synthesis. When OpenROAD
placed and routed the design (metrics.json `post_layout`), its parasitic-based figures replace
these estimates.

Sensitivity: `eqchip.report.sensitivity` over the inference energy parts of the report."""

from __future__ import annotations

from eqchip.figures import fig
from eqchip.report.energy import EnergyReport
from eqchip.report.estimates import (
    ESTIMATE,
    WireLoad,
    WireLoads,
    clock_tree_estimate,
    select_wire_load,
    wire_estimate,
)
from eqchip.report.sensitivity import sensitivity

INPUTS = "synthesis.power reports/activity_power.json clock_wire"


def wire_loads(rec: dict) -> WireLoads:
    """The recorded Liberty wire-load models as eqchip.report.estimates' types."""
    models = {n: WireLoad(n, m["capacitance_pf_per_um"], m["resistance_per_um"],
                          m["slope_um"], {int(a): float(b) for a, b in m["fanout_length_um"]})
              for n, m in rec["models"].items()}
    by_area = tuple((float(lo), float(hi), str(n)) for lo, hi, n in rec.get("by_area") or [])
    return WireLoads(models, rec.get("default"), by_area)


def _energy_rows(en: EnergyReport, extra_uw: float) -> dict:
    """Inference and training-step energy without and with `extra_uw` over their time."""
    out: dict = {}
    f = en.figures
    for key, op, macs_key in (("inference", en.inference, "synops_per_inference"),
                              ("training_step", en.training, None)):
        est = extra_uw * 1e-6 * op.time_ns * 1e3          # W x ns = 1e3 pJ
        row = {
            "without_pj": fig(op.total_pj, "pJ", f"energy of the {op.name} (post-synthesis)"),
            "estimate_pj": fig(est, "pJ", f"{ESTIMATE}: (clock tree + wires) "
                               f"{extra_uw:.4g} uW x {op.counters.cycles} cycles x "
                               f"{op.period_ns:g} ns"),
            "with_pj": fig(op.total_pj + est, "pJ", "without_pj + estimate_pj"),
        }
        if macs_key is not None:
            macs = f[macs_key].value
            row["per_mac_without_pj"] = fig(op.total_pj / macs, "pJ/MAC",
                                            f"without_pj / {macs:g} MACs ({macs_key})")
            row["per_mac_with_pj"] = fig((op.total_pj + est) / macs, "pJ/MAC",
                                         f"with_pj / {macs:g} MACs ({macs_key})")
        out[key] = row
    return out


def _wire_power(cw: dict, wl: WireLoad, why: str, vdd: float,
                clock_mhz: float) -> tuple[float, float, int]:
    """(uW, pF, nets) of the signal nets under `wl`, each fanout at its own toggles."""
    parts = [wire_estimate({int(fo): int(r["nets"])}, wl, why, vdd, clock_mhz,
                           r["toggles_per_cycle"] / r["nets"])
             for fo, r in cw["signal_fanouts"].items() if r["nets"]]
    return (sum(p.power_uw for p in parts), sum(p.cap_pf for p in parts),
            sum(p.nets for p in parts))


def estimates_section(cw: dict | None, area: dict | None, logic: dict | None,
                      clock_mhz: float, en: EnergyReport,
                      post_layout: dict | None) -> tuple[dict | None, list[str]]:
    """(the `estimates` section or None, notes)."""
    if not cw or not area or not logic:
        return None, ["no clock-tree or wire estimate: the build recorded no netlist, "
                      "clock-sink or power figures (activity_power.json clock_wire)"]
    if not cw.get("vdd_v") or not cw["wire_loads"].get("models"):
        return None, ["no clock-tree or wire estimate: the Liberty has no nom_voltage or no "
                      "wire_load models (activity_power.json clock_wire)"]
    notes: list[str] = []
    vdd = float(cw["vdd_v"])
    total_area = area["total_um2"]["value"]
    wl, why = select_wire_load(wire_loads(cw["wire_loads"]), total_area)
    buf_e = cw.get("buffer_internal_pj_per_cycle") or 0.0
    ct = clock_tree_estimate(cw["flip_flops"], cw["clock_gates"], cw["ff_clock_pin_pf"],
                             cw["gate_clock_pin_pf"], cw.get("buffer_input_pf") or 0.0, wl,
                             vdd, clock_mhz, buffer_internal_pj_per_cycle=buf_e)
    if cw.get("buffer_input_pf") is None:
        notes.append("clock-tree estimate without buffer input capacitance and internal energy"
                     " (no clkbuf_4 in the Liberty)")
    wires = None
    loads = wire_loads(cw["wire_loads"])
    if cw.get("activity"):
        power, cap, nets = _wire_power(cw, wl, why, vdd, clock_mhz)
        default = loads.models.get(loads.default or "")
        in_sta = _wire_power(cw, default, "default_wire_load", vdd, clock_mhz)[0] \
            if default is not None else 0.0
        toggles = sum(r["toggles_per_cycle"] for r in cw["signal_fanouts"].values())
        wires = {
            "label": (f"{ESTIMATE}: Liberty wire_load(\"{wl.name}\") capacitance of {nets} "
                      f"signal nets by fanout, each fanout's nets at their own measured toggles "
                      f"per cycle ({cw['activity']})"),
            "wire_load": wl.name, "selection": why, "nets": nets,
            "default_wire_load": loads.default,
            "toggles_per_cycle": fig(toggles, "toggles/cycle",
                                     f"sum over the signal nets ({cw['activity']})"),
            "cap_pf": fig(cap, "pF", f"sum_fanout nets x {wl.capacitance_pf_per_um:g} pF/um x "
                                     f"fanout_length (Liberty wire_load(\"{wl.name}\"))"),
            "power_uw": fig(power, "uW", "sum_fanout 0.5 x toggles x C_wire(fanout) x Vdd^2 x "
                                         f"f_clk ({vdd:g} V, {clock_mhz:g} MHz)"),
            "in_post_synthesis_uw": fig(in_sta, "uW", (
                f"the same with the Liberty's default_wire_load (\"{loads.default}\"), which "
                "OpenSTA applies to every cell-driven net when no parasitics are read: already "
                "in the post-synthesis switching power") if default is not None else
                "the Liberty has no default_wire_load: OpenSTA counted no wire capacitance"),
            "added_uw": fig(power - in_sta, "uW", "power_uw - in_post_synthesis_uw (what the "
                            "area-selected model adds to the post-synthesis power)"),
        }
    else:
        notes.append("no wire estimate: the build recorded no net activity")
    clock = {
        "label": ct.label, "sinks": ct.sinks, "flip_flops": cw["flip_flops"],
        "clock_gates": cw["clock_gates"],
        # behind clock gates: not tree sinks (their gated clocks are in OpenSTA's power)
        "gated_flip_flops": cw.get("gated_flip_flops", 0),
        "levels": ct.levels, "buffers": ct.buffers,
        "buffer_cell": cw.get("clock_buffer"),
        "sink_cap_pf": fig(ct.sink_cap_pf, "pF", "flip-flops on the root clock x mean CLK "
                           "pin capacitance + clock gates x CLK pin capacitance (Liberty)"),
        "buffer_input_cap_pf": fig(ct.buffer_input_cap_pf, "pF",
                                   "buffers x clkbuf_4 A capacitance (Liberty)"),
        "wire_cap_pf": fig(ct.wire_cap_pf, "pF", f"buffer nets x Liberty wire_load(\"{wl.name}\")"
                           " at their fanout"),
        "switching_uw": fig(ct.switching_uw, "uW", "(sink + buffer input + wire) capacitance x "
                            f"Vdd^2 x f_clk ({vdd:g} V, {clock_mhz:g} MHz)"),
        "buffer_internal_uw": fig(ct.buffer_internal_uw, "uW",
                                  "buffers x clkbuf_4 internal energy per cycle x f_clk"),
        "power_uw": fig(ct.power_uw, "uW", "switching_uw + buffer_internal_uw"),
    }
    lp = logic.get("annotated") or logic.get("vectorless")
    which = "annotated" if logic.get("annotated") else "vectorless"
    without = lp["total_w"]["value"] * 1e6
    extra = ct.power_uw + (wires["added_uw"]["value"] if wires else 0.0)
    power = {
        "without_uw": fig(without, "uW", f"{which} logic power total_w (post-synthesis: no "
                                         "clock tree; signal wires from the Liberty's "
                                         "default_wire_load, which OpenSTA applies)"),
        "clock_tree_uw": fig(ct.power_uw, "uW", ct.label),
        "wires_uw": fig(wires["added_uw"]["value"], "uW",
                        f"{wires['label']}, minus what OpenSTA already counted "
                        "(wires.added_uw)") if wires else None,
        "estimate_uw": fig(extra, "uW", "clock_tree_uw + wires_uw"),
        "estimate_pct": fig(100.0 * extra / without if without else 0.0, "%",
                            "estimate_uw / without_uw"),
        "with_uw": fig(without + extra, "uW", "without_uw + estimate_uw"),
    }
    replaced = post_layout is not None
    return {
        "label": ("ESTIMATES before layout of what post-synthesis power leaves out (the "
                  "clock tree; signal wires beyond the wire load OpenSTA already applied); the "
                  "headline figures stay post-synthesis"),
        "source": INPUTS,
        "replaced_by_post_layout": replaced,
        "post_layout_note": ("OpenROAD placed and routed this design: its post-layout figures "
                             "(parasitics from the layout) replace these estimates"
                             if replaced else
                             "no placed and routed design yet: when OpenROAD runs, its "
                             "post-layout figures (parasitics from the layout) replace these "
                             "estimates"),
        "clock_tree": clock,
        "wires": wires,
        "logic_power": power,
        "energy": _energy_rows(en, extra),
    }, notes


def sensitivity_section(en: EnergyReport) -> dict:
    """How the inference energy per MAC moves when each MRAM parameter is halved or doubled."""
    parts = {k: v.value for k, v in en.inference.parts.items()}
    macs = int(en.figures["synops_per_inference"].value)
    s = sensitivity(parts, macs)
    rows = []
    for r in s.rows:
        src = (f"(energy_per_inference - {r.part} + {r.factor:g} x {r.part}) / {macs} MACs "
               "(inference parts_pj)")
        rows.append({"parameter": r.parameter, "part": r.part, "factor": r.factor,
                     "energy_pj": fig(r.energy_pj, "pJ", src.split(" / ")[0]),
                     "energy_per_mac_pj": fig(r.energy_per_mac_pj, "pJ/MAC", src),
                     "change_pct": fig(r.change_pct, "%", "against baseline_per_mac_pj")})
    return {
        "operation": "inference", "macs": macs,
        "baseline_per_mac_pj": fig(s.baseline_per_mac_pj, "pJ/MAC",
                                   "pj_per_synop_inference (energy per MAC, inference)"),
        "most_sensitive": s.most_sensitive(),
        "method": ("each MRAM parameter scaled on its own, the other energy parts fixed: "
                   "E' = E - E_p + k x E_p (the energy is linear in each parameter)"),
        "rows": rows,
    }
