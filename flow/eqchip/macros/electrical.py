"""Electrical numbers of a macro at one PVT corner, and the hand calculation of its power.

Every Liberty number comes from here, and here from the one macro model
(`eqchip.config.mram_model`), so the Liberty view, macro.json, `eqchip macros` and the report all
carry the same figures, and the power check compares OpenSTA against arithmetic a reader can
redo from the technology file."""

from __future__ import annotations

from dataclasses import dataclass

from eqchip.config.mram_model import MacroModel, macro_model
from eqchip.config.mram_tech import Corner
from eqchip.macros.spec import MacroSpec


@dataclass(frozen=True)
class Electrical:
    corner: Corner
    read_energy_pj: float      # one read access, every periphery part included
    write_energy_pj: float     # one write access (expected, with write-verify retries)
    leakage_uw: float          # standby leakage of the macro
    read_ns: float             # CLK -> DOUT with no load
    write_ns: float
    setup_ns: float
    hold_ns: float
    min_period_ns: float       # single-cycle access: max(read + setup, write)
    input_cap_pf: float
    drive_ns_per_pf: float
    output_transition_ns: float
    max_output_cap_pf: float
    model: MacroModel          # the parts behind the totals


def electrical(spec: MacroSpec, corner: Corner) -> Electrical:
    t = spec.tech.timing
    d = corner.delay_scale
    m = macro_model(spec.words, spec.bits, spec.tech, corner, spec.mux)
    setup_ns = t.setup_ns * d
    return Electrical(
        corner=corner,
        read_energy_pj=m.read_energy_pj,
        write_energy_pj=m.write_energy_pj,
        leakage_uw=m.leakage_uw,
        read_ns=m.read_ns, write_ns=m.write_ns, setup_ns=setup_ns, hold_ns=t.hold_ns * d,
        min_period_ns=max(m.read_ns + setup_ns, m.write_ns),
        input_cap_pf=t.input_cap_pf,
        drive_ns_per_pf=t.output_drive_ns_per_pf * d,
        output_transition_ns=t.output_transition_ns * d,
        max_output_cap_pf=t.max_output_cap_pf,
        model=m,
    )


def expected_power_uw(el: Electrical, clock_mhz: float, p_ce: float,
                      p_we: float) -> dict[str, float]:
    """Average macro power when every clock edge sees CE with probability p_ce and WE with p_we
    (independent): reads/s = f * p_ce * (1 - p_we), writes/s = f * p_ce * p_we.
    pJ x MHz = uW."""
    reads_per_us = clock_mhz * p_ce * (1.0 - p_we)
    writes_per_us = clock_mhz * p_ce * p_we
    internal = reads_per_us * el.read_energy_pj + writes_per_us * el.write_energy_pj
    return {"internal_uw": internal, "leakage_uw": el.leakage_uw,
            "total_uw": internal + el.leakage_uw}
