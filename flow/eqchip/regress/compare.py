"""Compare a design's metrics with its baseline under the rules: one verdict per metric."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from eqchip.regress.rules import Rule, RuleSet


class Status(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    TOLERATED = "worse, within tolerance"
    REGRESSED = "regressed"
    CHANGED = "changed (no rule)"
    NEW = "new"
    MISSING = "missing"
    EXCLUDED = "excluded"


@dataclass(frozen=True)
class MetricResult:
    design: str
    metric: str
    old: float | None
    new: float | None
    status: Status
    rule: Rule | None
    allowed: float | None = None     # how much worse it was allowed to get (metric units)

    @property
    def failed(self) -> bool:
        """A regression, or a ruled metric the run no longer produces."""
        if self.status == Status.REGRESSED:
            return True
        return self.status == Status.MISSING and self.rule is not None

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    def explain(self) -> str:
        """One line a CI dashboard can show: design, metric, values, limit."""
        head = f"{self.design}: {self.metric} {self.status.value}"
        if self.status == Status.MISSING:
            return f"{head}: baseline {fmt(self.old)}, not produced by this run"
        if self.old is None or self.new is None:
            return f"{head}: {fmt(self.old)} -> {fmt(self.new)}"
        text = f"{head}: {fmt(self.old)} -> {fmt(self.new)} ({fmt_delta(self.old, self.new)})"
        if self.rule is not None and self.allowed is not None:
            text += f"; rule `{self.rule.pattern}` ({self.rule.describe()}) allows " \
                    f"{fmt(self.allowed)} worse"
        return text


@dataclass(frozen=True)
class VersionChange:
    name: str
    old: str | None
    new: str | None


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def fmt_delta(old: float, new: float) -> str:
    delta = new - old
    text = f"{'+' if delta >= 0 else ''}{fmt(delta)}"
    if old != 0:
        text += f", {'+' if delta >= 0 else ''}{delta / abs(old) * 100:.2f}%"
    return text


def same(a: float, b: float) -> bool:
    """Equal up to float noise from JSON round trips (identical builds give identical files)."""
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def compare_metric(design: str, metric: str, old: float | None, new: float | None,
                   rule: Rule | None, clock_period_ns: float | None) -> MetricResult:
    if rule is not None and rule.exclude is not None:
        return MetricResult(design, metric, old, new, Status.EXCLUDED, rule)
    if old is None:
        return MetricResult(design, metric, old, new, Status.NEW, rule)
    if new is None:
        return MetricResult(design, metric, old, new, Status.MISSING, rule)
    if same(old, new):
        return MetricResult(design, metric, old, new, Status.UNCHANGED, rule)
    if rule is None or rule.better is None:
        return MetricResult(design, metric, old, new, Status.CHANGED, rule)
    worse_by = (new - old) if rule.better == "lower" else (old - new)
    if worse_by < 0:
        return MetricResult(design, metric, old, new, Status.IMPROVED, rule)
    allowed = rule.allowed(old, clock_period_ns)
    status = Status.TOLERATED if worse_by <= allowed or same(worse_by, allowed) \
        else Status.REGRESSED
    return MetricResult(design, metric, old, new, status, rule, allowed)


def compare_design(design: str, baseline: dict[str, float], current: dict[str, float],
                   rules: RuleSet, clock_period_ns: float | None) -> list[MetricResult]:
    """Verdicts for every metric in the baseline or the current run, sorted by name.

    A metric with a rule that vanished from the run is a regression (a broken flow step
    must not pass silently); without a rule it is only reported.
    """
    out: list[MetricResult] = []
    for metric in sorted(set(baseline) | set(current)):
        rule = rules.rule_for(design, metric)
        out.append(compare_metric(design, metric, baseline.get(metric), current.get(metric),
                                  rule, clock_period_ns))
    return out


def failures(results: list[MetricResult]) -> list[MetricResult]:
    return [r for r in results if r.failed]


def compare_versions(old: dict[str, str], new: dict[str, str]) -> list[VersionChange]:
    return [VersionChange(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)]
