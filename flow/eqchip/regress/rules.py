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
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import load_yaml
from eqchip.errors import ConfigError

Better = Literal["higher", "lower"]
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
