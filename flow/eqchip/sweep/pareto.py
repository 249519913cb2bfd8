"""The Pareto front of sweep results over objectives to maximize or minimize."""

from __future__ import annotations

from collections.abc import Sequence

Objective = tuple[str, str]          # (key, "max" | "min")


def _signed(row: dict[str, float], objectives: Sequence[Objective]) -> tuple[float, ...]:
    """The row's objectives, each turned into one to minimize."""
    return tuple(-row[k] if sense == "max" else row[k] for k, sense in objectives)


def dominates(a: dict[str, float], b: dict[str, float],
              objectives: Sequence[Objective]) -> bool:
    """a is at least as good as b in every objective and better in one."""
    sa, sb = _signed(a, objectives), _signed(b, objectives)
    return all(x <= y for x, y in zip(sa, sb, strict=True)) and sa != sb


def front(rows: Sequence[dict[str, float]], objectives: Sequence[Objective]) -> list[int]:
    """Indices of the rows no other row dominates (equal rows are all on the front)."""
    for k, sense in objectives:
        if sense not in ("max", "min"):
            raise ValueError(f"objective {k}: sense must be max or min, not {sense!r}")
    return [i for i, r in enumerate(rows)
            if not any(dominates(o, r, objectives) for j, o in enumerate(rows) if j != i)]
