"""Reported figures and cross-checks as plain dicts (report.json and the build's
activity_power.json share the shape): `{value, unit, source}` and `{id, name, expected, actual,
ok}`."""

from __future__ import annotations


def fig(value: float | int | None, unit: str, source: str) -> dict | None:
    return None if value is None else {"value": value, "unit": unit, "source": source}


def dig(data: dict, *keys: str) -> object:
    """data[k1][k2]... or None."""
    cur: object = data
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            return None
        cur = cur[k]
    return cur


def check(check_id: str, name: str, expected: float | str, actual: float | str,
          rel: float | None = None) -> dict:
    """One cross-check; `check_id` is a short stable key (regression baselines use it)."""
    if rel and isinstance(expected, int | float) and isinstance(actual, int | float):
        ok = abs(actual - expected) <= rel * max(abs(expected), abs(actual))
    else:
        ok = expected == actual
    return {"id": check_id, "name": name, "expected": expected, "actual": actual, "ok": ok}
