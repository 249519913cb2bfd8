"""How the headline energy per MAC moves when one MRAM parameter changes.

Given the energy parts of one operation (pJ: logic dynamic and leakage, MRAM read, write and
leakage) and the MACs it performs, each MRAM parameter is scaled on its own (by default halved
and doubled) while everything else stays put:

    E'(p, k) = E - E_p + k x E_p          E'/MAC = E' / MACs

so a reader sees which assumption the headline depends on. The energy is linear in each
parameter, so no model is re-run. Pure functions over typed inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# parameter -> the energy part it scales (names of eqchip.report.energy.op_energy parts)
MRAM_PARAMETERS: dict[str, str] = {
    "MRAM read energy": "mram_read",
    "MRAM write energy": "mram_write",
    "MRAM leakage": "mram_leakage",
}
FACTORS: tuple[float, ...] = (0.5, 2.0)


@dataclass(frozen=True)
class SensitivityRow:
    parameter: str
    part: str
    factor: float
    energy_pj: float
    energy_per_mac_pj: float
    change_pct: float          # against the baseline energy per MAC


@dataclass(frozen=True)
class Sensitivity:
    macs: int
    baseline_pj: float
    baseline_per_mac_pj: float
    rows: tuple[SensitivityRow, ...]

    def most_sensitive(self) -> str:
        """The parameter whose doubling moves the headline most."""
        worst = max(self.rows, key=lambda r: abs(r.change_pct))
        return worst.parameter


def sensitivity(parts_pj: Mapping[str, float], macs: int,
                parameters: Mapping[str, str] = MRAM_PARAMETERS,
                factors: tuple[float, ...] = FACTORS) -> Sensitivity:
    if macs <= 0:
        raise ValueError(f"macs must be positive, got {macs}")
    if any(k <= 0 for k in factors):
        raise ValueError(f"factors must be positive, got {factors}")
    missing = sorted(set(parameters.values()) - set(parts_pj))
    if missing:
        raise ValueError(f"energy parts {missing} missing (have {sorted(parts_pj)})")
    base = sum(parts_pj.values())
    if base <= 0:
        raise ValueError("the baseline energy must be positive")
    per = base / macs
    rows = []
    for name, part in parameters.items():
        for k in factors:
            e = base + (k - 1.0) * parts_pj[part]
            rows.append(SensitivityRow(name, part, k, e, e / macs, 100.0 * (e - base) / base))
    return Sensitivity(macs, base, per, tuple(rows))
