"""Regression threshold rules: a reviewed YAML file, validated with pydantic.

File layout (designs/regress_rules.yaml, documented in docs/regress.md)::

    rules:
      <metric pattern>:            # exact dotted name or fnmatch pattern (`*.wns_ns`)
        better: higher | lower
        relative: 0.03             # exactly one tolerance: relative (fraction of the
        absolute: 0                #   baseline), absolute (metric units) or clock_fraction
        clock_fraction: 0.05       #   (fraction of the design's clock period, metric in ns)
        exclude: "why"             # or: not compared at all (non-deterministic metric)
    overrides:
      <design name>:
        <metric pattern of a rule above>: {relative: 0.05}   # replaces those fields

A metric takes the rule of an exact name if there is one, else of the first pattern (in file
order) that matches it. Metrics matched by no rule are shown for information and never fail.

A rule that can never apply is an error, not a silently ignored line (`RuleSet.problems`): a
pattern with an unclosed `[`, a `clock_fraction` tolerance on a metric not in ns (the tolerance
is a fraction of the clock period, for timing only), an override of a design eqchip does not
know, and a pattern that matches no metric of the run although the section it names is there
(`area.stdcel_um2`), or whose section eqchip never writes (`aera.*`). A pattern of a section
this build does not have (`post_layout.*` before OpenROAD ran) or one that starts with a
wildcard (`*violation*`) may match nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import load_yaml
from eqchip.errors import ConfigError

Better = Literal["higher", "lower"]
#: top-level sections of metrics.json (docs/metrics.md) and report.json (under `report.`): a
#: pattern of one of these may match nothing in a build that stopped before writing it
KNOWN_SECTIONS = frozenset({
    "schema", "design", "top", "design_sha256", "status", "stop_reason", "notice", "flow",
    "pdk", "clock", "tools", "cells", "area", "timing", "power", "post_layout",
    "power_post_route", "activity_power", "floorplan", "macros", "runtime_s", "wall_time_s",
    "report"})
_WILDCARDS = "*?["
#: metrics a clock_fraction tolerance applies to: timing figures in ns
CLOCK_FRACTION_SUFFIX = "_ns"
ToleranceKind = Literal["relative", "absolute", "clock_fraction"]
_KINDS: tuple[ToleranceKind, ...] = ("relative", "absolute", "clock_fraction")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleModel(_Strict):
    better: Better | None = Field(default=None, description="Which direction is an improvement")
    relative: float | None = Field(default=None, ge=0, description="Allowed worsening as a "
                                   "fraction of the baseline value (0.03 = 3 %)")
    absolute: float | None = Field(default=None, ge=0, description="Allowed worsening in the "
                                   "metric's own units")
    clock_fraction: float | None = Field(default=None, ge=0, le=1, description="Allowed "
                                         "worsening as a fraction of the clock period (metric "
                                         "in ns)")
    exclude: str | None = Field(default=None, min_length=1, description="Reason the metric is "
                                "not compared (e.g. not deterministic)")
    description: str | None = None

    def tolerances(self) -> list[ToleranceKind]:
        return [k for k in _KINDS if getattr(self, k) is not None]


class BaseRuleModel(RuleModel):
    @model_validator(mode="after")
    def _complete(self) -> BaseRuleModel:
        kinds = self.tolerances()
        if self.exclude is not None:
            if kinds or self.better is not None:
                raise ValueError("an excluded metric takes no `better` or tolerance; "
                                 "keep only `exclude: <reason>`")
            return self
        if self.better is None:
            raise ValueError("`better: higher` or `better: lower` is required")
        if len(kinds) != 1:
            raise ValueError("give exactly one tolerance: relative, absolute or clock_fraction"
                             f" (got {', '.join(kinds) or 'none'})")
        return self


class OverrideModel(RuleModel):
    @model_validator(mode="after")
    def _one_tolerance(self) -> OverrideModel:
        if len(self.tolerances()) > 1:
            raise ValueError("give at most one tolerance: relative, absolute or clock_fraction")
        return self


class RulesFileModel(_Strict):
    rules: dict[str, BaseRuleModel] = Field(description="Rules by metric name or pattern")
    overrides: dict[str, dict[str, OverrideModel]] = Field(
        default_factory=dict, description="Per-design changes to rules, by design name")

    @field_validator("rules")
    @classmethod
    def _patterns(cls, rules: dict[str, BaseRuleModel]) -> dict[str, BaseRuleModel]:
        for pattern, rule in rules.items():
            bad = pattern_problem(pattern)
            if bad:
                raise ValueError(f"rules.{pattern}: {bad}")
            if rule.clock_fraction is not None and pattern[-1] not in "*?]" \
                    and not pattern.endswith(CLOCK_FRACTION_SUFFIX):
                raise ValueError(f"rules.{pattern}: clock_fraction is a fraction of the clock "
                                 "period, for timing metrics in ns (names ending in _ns); use "
                                 "relative or absolute for this metric")
        return rules

    @model_validator(mode="after")
    def _overrides_name_rules(self) -> RulesFileModel:
        for design, entries in self.overrides.items():
            for pattern, over in entries.items():
                if pattern not in self.rules:
                    raise ValueError(f"overrides.{design}.{pattern}: no rule `{pattern}` in "
                                     "`rules`; an override changes an existing rule")
                base = self.rules[pattern]
                if base.exclude is not None and over.exclude is None and \
                        (over.better is None or not over.tolerances()):
                    raise ValueError(f"overrides.{design}.{pattern}: the rule excludes the "
                                     "metric; to compare it for this design give `better` and "
                                     "one tolerance")
        return self


@dataclass(frozen=True)
class Rule:
    """The resolved rule of one metric of one design."""

    pattern: str
    better: Better | None
    tolerance_kind: ToleranceKind | None
    tolerance: float
    exclude: str | None = None

    def allowed(self, baseline: float, clock_period_ns: float | None) -> float:
        """How much the metric may worsen from `baseline` (a non-negative amount)."""
        if self.tolerance_kind == "relative":
            return self.tolerance * abs(baseline)
        if self.tolerance_kind == "clock_fraction":
            if clock_period_ns is None:
                raise ConfigError(f"rule `{self.pattern}` uses clock_fraction but the design's "
                                  "clock period is unknown")
            return self.tolerance * clock_period_ns
        return self.tolerance

    def describe(self) -> str:
        """Short form for tables: `lower +3%`, `higher -5% clk`, `lower +0`, `excluded`."""
        if self.exclude is not None:
            return "excluded"
        sign = "+" if self.better == "lower" else "-"
        if self.tolerance_kind == "relative":
            return f"{self.better} {sign}{self.tolerance * 100:g}%"
        if self.tolerance_kind == "clock_fraction":
            return f"{self.better} {sign}{self.tolerance * 100:g}% clk"
        return f"{self.better} {sign}{self.tolerance:g}"


@dataclass(frozen=True)
class RuleSet:
    path: Path
    model: RulesFileModel

    def rule_for(self, design: str, metric: str) -> Rule | None:
        pattern = _match(self.model.rules, metric)
        if pattern is None:
            return None
        base = self.model.rules[pattern]
        over = self.model.overrides.get(design, {}).get(pattern)
        fields = base.model_dump()
        if over is not None:
            changes = over.model_dump(exclude_none=True)
            if "exclude" in changes:                    # exclude it for this design
                return Rule(pattern, None, None, 0.0, exclude=changes["exclude"])
            if any(k in changes for k in _KINDS):       # a new tolerance replaces the old one
                for k in _KINDS:
                    fields[k] = None
            fields.update(changes)
            if over.better is not None and over.tolerances():
                fields["exclude"] = None                # compared for this design after all
        if fields.get("exclude") is not None:
            return Rule(pattern, None, None, 0.0, exclude=fields["exclude"])
        kind = next(k for k in _KINDS if fields[k] is not None)
        return Rule(pattern, fields["better"], kind, float(fields[kind]))

    def excluded(self, design: str, metric: str) -> bool:
        rule = self.rule_for(design, metric)
        return rule is not None and rule.exclude is not None


    def problems(self, names: dict[str, set[str]], known_designs: set[str]) -> list[str]:
        """What makes this rules file wrong for a run whose designs have the metric `names`
        (design -> names in its run and baseline): unknown override designs, patterns that
        match no metric where they should, clock_fraction on metrics not in ns."""
        out = [f"overrides.{d}: no design {d!r} (known: {', '.join(sorted(known_designs))})"
               for d in self.model.overrides if d not in known_designs]
        every = set().union(*names.values()) if names else set()
        for pattern in self.model.rules:
            if not any(n == pattern or fnmatchcase(n, pattern) for n in every):
                out += _unmatched(pattern, every)
        for design, design_names in sorted(names.items()):
            for name in sorted(design_names):
                rule = self.rule_for(design, name)
                if rule is not None and rule.tolerance_kind == "clock_fraction" and \
                        not name.endswith(CLOCK_FRACTION_SUFFIX):
                    out.append(f"rules.{rule.pattern}: clock_fraction applies to timing metrics "
                               f"in ns, but matches {name} of {design}; give that metric a "
                               "relative or absolute rule first")
                    break
        return list(dict.fromkeys(out))


def _unmatched(pattern: str, names: set[str]) -> list[str]:
    """The problem with `pattern` matching none of `names` (none: the part of metrics.json it
    names is absent from this build, e.g. `post_layout.*` before layout, or it is a catch-all
    starting with a wildcard). Its parent is the dotted prefix before the first wildcard
    (of a plain name: all but the last part): when the run has metrics there, the pattern
    should have matched one."""
    parts = pattern.split(".")
    literal = next((i for i, p in enumerate(parts) if any(c in p for c in _WILDCARDS)),
                   len(parts))
    if literal == 0:
        return []                                   # a catch-all such as *violation*
    parent = ".".join(parts[:literal if literal < len(parts) else len(parts) - 1])
    if parent and any(n.startswith(parent + ".") for n in names):
        have = sum(n.startswith(parent + ".") for n in names)
        return [f"rules.{pattern}: matches none of the {have} metrics under `{parent}` of this "
                "run; check the spelling against metrics.json / report.json"]
    if parts[0] not in KNOWN_SECTIONS:
        return [f"rules.{pattern}: `{parts[0]}` is no section of metrics.json (report.json's "
                "metrics start with `report.`); check the spelling"]
    return []


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not a usable fnmatch pattern (None: it is): a `[` must open a
    character set closed by `]` (fnmatch silently reads an unclosed one as a literal `[`)."""
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] == "!":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            close = pattern.find("]", j)
            if close < 0:
                return (f"`[` at character {i + 1} opens a character set that is never closed "
                        "(write `[[]` for a literal `[`)")
            i = close
        i += 1
    return None


def _match(rules: dict[str, BaseRuleModel], metric: str) -> str | None:
    if metric in rules:
        return metric
    for pattern in rules:
        if fnmatchcase(metric, pattern):
            return pattern
    return None


def load_rules(path: Path) -> RuleSet:
    """Load and validate a rules file; problems raise ConfigError naming file, line and field."""
    src = load_yaml(Path(path))
    model = validate_source(src, RulesFileModel, what="regression rules file")
    return RuleSet(path=Path(path), model=model)
