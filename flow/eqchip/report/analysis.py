"""Everything a report states, composed from a build's typed records (see docs/report.md).

`compose()` is a pure function of the design, metrics.json and the `synthesis.power` node's
activity_power.json (eqchip.power.measure, made during the build): it starts no process and
regenerates no view. Each number sits in a `{value, unit, source}` figure; missing inputs leave
the corresponding sections null and add a note; nothing is invented.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from eqchip import __version__
from eqchip.config import LoadedDesign
from eqchip.config.mram_tech import Corner
from eqchip.figures import check
from eqchip.golden.counters import Counters, inference_counters
from eqchip.report.convergence import convergence_section
from eqchip.report.energy import EnergyReport, Figure, PowerInputs, energy_report
from eqchip.report.postlayout import post_layout_section
from eqchip.report.preestimates import estimates_section, sensitivity_section
from eqchip.report.routed_energy import routed_inputs, routed_section
from eqchip.report.sections import (
    design_section,
    metrics_checks,
    timing_section,
    tools_section,
)

SCHEMA = "eqchip-report/1"


@dataclass
class Analysis:
    data: dict
    energy: EnergyReport
    notes: list[str] = field(default_factory=list)


def _representative(loaded: LoadedDesign):  # noqa: ANN202 - (x, TrainStep, source)
    """Golden-model training step: initial weights (training.seed) and the first training
    sample of the design's data set."""
    import numpy as np

    from eqchip import golden as g
    from eqchip.golden.data import load_dataset

    d, arch = loaded.design, loaded.arch
    ds = load_dataset(d.training.dataset, arch.layers, d.training.test_size, d.training.seed)
    x = g.quantize_state(ds.x_train[0], arch.state_frac)
    y = np.zeros(arch.layers[-1], np.int64)
    y[int(ds.y_train[0])] = 1 << arch.state_frac
    step = g.train_step(arch, g.init_params(arch, d.training.seed), x, y)
    return x, step, (f"golden model train_step (init_params seed {d.training.seed}, "
                     f"first '{d.training.dataset}' training sample)")


def representative_step(loaded: LoadedDesign) -> tuple[Counters, str]:
    """Golden-model counters of one training step (`_representative`)."""
    _, step, source = _representative(loaded)
    return step.counters, source


def mram_corner(loaded: LoadedDesign) -> Corner:
    """The MRAM technology corner of the design's PDK corner (`tt` -> `tt_025C_1v80`; the
    technology's typical corner when it has none of that name)."""
    tech = loaded.tech
    return tech.corner_for(loaded.design.pdk.corner) or tech.typical_corner


def mtj_write_energy(loaded: LoadedDesign) -> tuple[Figure, dict] | None:
    """Energy of the stochastic MTJ writes of one training step (update_rounding: mtj): the
    representative step's attempts per pulse level x the energy per attempt of the technology
    (eqchip.config.mram_model.stochastic_write_energy). None for other roundings."""
    if not loaded.arch.mtj:
        return None
    from eqchip.config.mram_model import stochastic_write_energy
    from eqchip.golden.mtj import step_attempts

    x, step, source = _representative(loaded)
    attempts = [int(n) for n in step_attempts(loaded.arch, x, step)]
    tech = loaded.tech
    corner = mram_corner(loaded)
    per = [sum(e.values()) for e in stochastic_write_energy(tech, corner)]
    total = sum(n * e for n, e in zip(attempts, per, strict=True))
    fig = Figure(total, "pJ", f"{sum(attempts)} stochastic MTJ writes ({source}) x energy per "
                 f"attempt by pulse level (pulse V I t + sense + reset, eqchip.config.mram_model."
                 f"stochastic_write_energy, {loaded.tech_file} at {corner.name})")
    table = {"attempts_per_level": attempts, "attempts_source": source,
             "pj_per_attempt": per, "corner": corner.name}
    return fig, table


def mram_inputs(loaded: LoadedDesign):  # noqa: ANN201 - (MacroSpec, PowerInputs fields)
    """MRAM energy per access and macro leakage at the design corner, from the technology
    file through eqchip.macros.electrical (the numbers the macro's Liberty view carries)."""
    from eqchip.macros.electrical import electrical
    from eqchip.macros.spec import macro_for

    tech = loaded.tech
    spec = macro_for(loaded.arch, tech)
    corner = mram_corner(loaded)
    el = electrical(spec, corner)
    tfile = loaded.tech_file
    at = f"corner {corner.name}"
    model = (f"eqchip.config.mram_model, {spec.name} ({el.model.org.rows} rows x "
             f"{el.model.org.cols} columns) at {at}, {el.model.vdd:g} V ({tfile})")
    return spec, {
        "read_pj_per_word": Figure(el.read_energy_pj, "pJ",
                                   f"read energy per access with periphery: {model}"),
        "write_pj_per_word": Figure(el.write_energy_pj, "pJ",
                                    f"write energy per access with periphery: {model}"),
        "macro_leakage_w": Figure(el.leakage_uw * 1e-6, "W", f"macro leakage: {model}"),
    }


def compose(loaded: LoadedDesign, metrics: dict, ap: dict | None, sources: dict[str, str | None],
            liberty: str | None = None) -> Analysis:
    """report.json's document from the design, metrics.json and activity_power.json (None:
    the build did not measure power: MRAM-only energy)."""
    arch, tech = loaded.arch, loaded.tech
    notes: list[str] = list((ap or {}).get("notes") or [])
    checks: list[dict] = list((ap or {}).get("checks") or [])
    area = (ap or {}).get("area")
    logic: dict = (ap or {}).get("logic") or {}
    sta = (ap or {}).get("sta")
    if ap is None:
        notes.append("no activity-annotated power in this build (its synthesis.power step did "
                     "not run): no area or power from the netlist")
    # --- counters ----------------------------------------------------------------------------
    sched = inference_counters(arch)
    if arch.early_stop:     # gated: the free phase of the simulated operation (its own STEPs)
        from eqchip.sim.scenario import vcd_operation_step

        sched = inference_counters(arch, vcd_operation_step(loaded).steps[0])
    inf_c, inf_src = sched, "docs/architecture.md cycle schedule (eqchip.golden.inference_counters)"
    inf_ap = (ap or {}).get("inference")
    if inf_ap:
        inf_c, inf_src = (Counters(inf_ap["cycles"], inf_ap["mram_reads"], inf_ap["mram_writes"]),
                          inf_ap["source"])
        checks += [check("inference_cycles_schedule",
                         "inference cycles: simulation (free-phase window) = architecture "
                         "schedule", sched.cycles, inf_c.cycles),
                   check("inference_reads_schedule",
                         "inference MRAM reads: simulation (free-phase window) = architecture "
                         "schedule", sched.mram_reads, inf_c.mram_reads),
                   check("inference_writes_schedule",
                         "inference MRAM writes: simulation (free-phase window) = architecture "
                         "schedule", sched.mram_writes, inf_c.mram_writes)]
    elif ap is not None:
        notes.append("no inference window in activity_power.json: the inference uses the "
                     "training step's average logic power and the schedule's counts")
    c = (ap or {}).get("counters")
    if c:
        trn_c, trn_src = Counters(c["cycles"], c["mram_reads"], c["mram_writes"]), c["source"]
    else:
        trn_c, trn_src = representative_step(loaded)
    # --- energy ------------------------------------------------------------------------------
    if logic:
        which = "annotated" if logic.get("annotated") else "vectorless"
        lp = logic[which]
        logic_dyn = Figure(lp["dynamic_w"]["value"], "W",
                           f"{which} logic power: OpenSTA switching + eqchip internal "
                           "(synthesis.power reports/activity_power.json)")
        logic_leak = Figure(lp["leakage_w"]["value"], "W", lp["leakage_w"]["source"])
        if which == "vectorless":
            notes.append("logic energy uses VECTORLESS power (no activity annotation)")
    else:
        logic_dyn = Figure(0.0, "W", "not available (no netlist power): logic energy omitted")
        logic_leak = Figure(0.0, "W", logic_dyn.source)
        notes.append("logic energy is missing: energy figures cover the MRAM only")
    spec, mram = mram_inputs(loaded)
    pin = PowerInputs(logic_dynamic_w=logic_dyn, logic_leakage_w=logic_leak,
                      n_macros=arch.total_macros, **mram)
    pin_inf = None
    ilp = (inf_ap or {}).get("logic") if logic.get("annotated") else None
    if ilp:
        pin_inf = PowerInputs(
            logic_dynamic_w=Figure(ilp["dynamic_w"]["value"], "W",
                                   "inference-window annotated logic power: OpenSTA switching "
                                   "+ eqchip internal (synthesis.power reports/"
                                   "activity_power.json inference.logic)"),
            logic_leakage_w=Figure(ilp["leakage_w"]["value"], "W", ilp["leakage_w"]["source"]),
            n_macros=arch.total_macros, **mram)
    mtj = mtj_write_energy(loaded)
    en = energy_report(arch, pin, inf_c, trn_c, inf_src, trn_src, p_inference=pin_inf,
                       mtj_write=mtj[0] if mtj else None)
    checks += metrics_checks(metrics, loaded, area, sta)
    # the headline energy: post-route when the build measured the routed design
    en_syn = en
    post_route = None
    routed = routed_inputs(metrics.get("power_post_route"), mram, arch.total_macros)
    if routed is not None and logic.get("annotated"):
        r_pin, r_inf, r_trn, r_inf_c = routed
        en = energy_report(arch, r_pin, r_inf_c or inf_c, r_trn, inf_src if r_inf_c is None
                           else f"{inf_src} (post-route gate-level simulation: the same window)",
                           f"{trn_src} (post-route gate-level simulation: the same step)",
                           p_inference=r_inf, mtj_write=mtj[0] if mtj else None)
        post_route, r_checks, r_notes = routed_section(
            metrics["power_post_route"], ap, en, en_syn, logic)
        checks += r_checks
        notes += r_notes
        checks.append(_sum_of_parts(en, r_pin, mtj[0] if mtj else None,
                                    "post-route training-step energy"))
        pin = r_pin
    checks.append(_sum_of_parts(en_syn, PowerInputs(
        logic_dynamic_w=logic_dyn, logic_leakage_w=logic_leak, n_macros=arch.total_macros,
        **mram), mtj[0] if mtj else None, "training-step energy" if post_route is None
        else "post-synthesis training-step energy"))
    post_layout = post_layout_section(metrics)
    estimates, est_notes = estimates_section((ap or {}).get("clock_wire"), area, logic or None,
                                             loaded.design.clock.freq_mhz, en_syn, post_layout)
    if ap is not None:
        notes += est_notes
    data = {
        "schema": SCHEMA,
        "generated": {"eqchip_version": __version__,
                      "time_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        "design": design_section(loaded),
        "tools": tools_section(sta, metrics),
        "pdk": {"name": "sky130A", "stdcell_library": loaded.design.pdk.stdcell_library,
                "corner": loaded.design.pdk.corner, "liberty": liberty,
                "mram_technology": {"name": tech.name, "file": str(loaded.tech_path),
                                    "sha256": loaded.tech_sha256,
                                    "sources": [s.ref for s in tech.sources]}},
        "sources": dict(sources),
        "area": area,
        "timing": timing_section(sta, arch.clock_period_ns, metrics),
        "post_layout": post_layout,
        "power": _power(ap),
        "mram": {"macro": spec.name, "n_macros": arch.total_macros,
                 "read_pj_per_word": pin.read_pj_per_word.as_dict(),
                 "write_pj_per_word": pin.write_pj_per_word.as_dict(),
                 "macro_leakage_w": pin.macro_leakage_w.as_dict(),
                 "stochastic_write": None if mtj is None else
                 {**mtj[1], "training_step_pj": mtj[0].as_dict()}},
        "energy": en.as_dict(),
        "energy_stage": "post-route" if post_route is not None else "post-synthesis",
        "energy_post_synthesis": en_syn.as_dict() if post_route is not None else None,
        "post_route_energy": post_route,
        "estimates": estimates,
        "sensitivity": sensitivity_section(en),
        # eqprop.early_stop: STEPs, skips and energy over the test set (else None)
        "convergence": convergence_section(loaded, en),
        "cross_checks": checks,
        "notes": notes,
    }
    return Analysis(data, en, notes)


def _sum_of_parts(en: EnergyReport, pin: PowerInputs, mtj: Figure | None, what: str) -> dict:
    """The training step's energy by time: (all power) x time + accesses x energy per access,
    against the sum of its parts."""
    t = en.training
    by_time = ((pin.logic_dynamic_w.value + pin.logic_leakage_w.value
                + pin.n_macros * pin.macro_leakage_w.value) * t.time_ns * 1e3
               + t.counters.mram_reads * pin.read_pj_per_word.value
               + t.counters.mram_writes * pin.write_pj_per_word.value
               + (mtj.value if mtj else 0.0))
    key = "energy_sum_of_parts" if what == "training-step energy" else \
        "energy_sum_of_parts_" + ("post_route" if what.startswith("post-route")
                                  else "post_synthesis")
    return check(key, f"{what}: sum of its parts = total power x time + "
                 "MRAM accesses x energy per access (pJ, within 1e-9)",
                 by_time, t.total_pj, 1e-9)


def _power(ap: dict | None) -> dict | None:
    """activity_power.json's power section, with its inference-window record."""
    power = (ap or {}).get("power")
    if power is None:
        return None
    return {**power, "inference": (ap or {}).get("inference")}
