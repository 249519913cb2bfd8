"""The sweep YAML (`designs/sweeps/*.yaml`): a base design, fixed settings, axes over design
fields by dotted path, linked fields and an optional random sample of the grid.

    name: small_bits
    base: ../small.yaml              # a design file (relative to this file) or a shipped name
    set:                             # applied to every point
      training.epochs: 2
    axes:                            # the grid: every combination of these values
      fixed_point.weight_bits: [8, 16]
      clock.freq_mhz: {from: 25, to: 50, step: 25}   # inclusive range
    link:                            # fields computed from the point's other fields
      fixed_point.weight_frac: fixed_point.weight_bits - 3
    sample: {points: 4, seed: 0}     # optional: 4 grid points drawn at random
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from eqchip.config.design import Design
from eqchip.config.loader import resolve_design_path
from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import YamlSource, load_yaml
from eqchip.errors import ConfigError
from eqchip.resources import designs_dir

#: points a sweep may have (its grid, or the sample drawn from it)
MAX_POINTS = 100_000

#: results are compared on these; fixed so every sweep's front means the same thing
OBJECTIVES = (("accuracy", "max"), ("energy_per_inference_pj", "min"), ("area_um2", "min"))


def field_paths(model: type[BaseModel] = Design, prefix: str = "") -> set[str]:
    """Every dotted field path of the design model (`fixed_point.weight_bits`, ...)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out |= field_paths(ann, path + ".")
        else:
            out.add(path)
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: values one {from, to, step} range may give
MAX_RANGE_VALUES = 10000


class Range(_Strict):
    """Inclusive range `from`, `from + step`, ... up to `to` (finite numbers, at most
    MAX_RANGE_VALUES values)."""

    start: float = Field(alias="from", allow_inf_nan=False)
    stop: float = Field(alias="to", allow_inf_nan=False)
    step: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _count(self) -> Range:
        if self.stop < self.start:
            raise ValueError(f"from ({self.start:g}) is above to ({self.stop:g}); a range "
                             "needs from <= to")
        n = (self.stop - self.start) / self.step
        if not math.isfinite(n) or n + 1 > MAX_RANGE_VALUES:
            raise ValueError(f"the range from {self.start:g} to {self.stop:g} by "
                             f"{self.step:g} has more than {MAX_RANGE_VALUES} values; use a "
                             "larger step")
        return self

    def values(self) -> list[int | float]:
        out: list[int | float] = []
        n = int((self.stop - self.start) / self.step + 1e-9)
        ints = all(float(x).is_integer() for x in (self.start, self.stop, self.step))
        for i in range(n + 1):
            v = self.start + i * self.step
            out.append(int(round(v)) if ints else round(v, 12))
        return out


def _axis_kind(value: Any) -> str:
    return "range" if isinstance(value, dict | Range) else "list"


#: an axis: a list of values, or {from, to, step} (a mapping is always read as a range, so a
#: bad range is reported as one, not also as "not a list")
AxisValues = Annotated[Annotated[list[Any], Tag("list")] | Annotated[Range, Tag("range")],
                       Discriminator(_axis_kind)]


class Sample(_Strict):
    points: int = Field(ge=1, le=100000, description="Grid points drawn at random")
    seed: int = Field(default=0, ge=0)


class SweepSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$",
                      description="Sweep name; results go to <out>/<name> by default")
    description: str = ""
    base: str = Field(description="Base design: a YAML path relative to this file, or the name "
                                  "of a shipped design")
    set: dict[str, Any] = Field(default_factory=dict,
                                description="Field path -> value applied to every point")
    axes: dict[str, AxisValues] = Field(
        min_length=1, description="Field path -> list of values, or {from, to, step}")
    link: dict[str, str] = Field(default_factory=dict,
                                 description="Field path -> expression of other field paths")
    sample: Sample | None = None

    @field_validator("set", "axes", "link")
    @classmethod
    def _known_paths(cls, v: dict[str, Any]) -> dict[str, Any]:
        known = field_paths()
        for path in v:
            if path not in known:
                near = difflib.get_close_matches(path, sorted(known), n=2, cutoff=0.75)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                raise ValueError(f"{path!r} is not a design field{hint}; fields are dotted "
                                 "paths such as fixed_point.weight_bits or clock.freq_mhz")
        return v

    @field_validator("axes")
    @classmethod
    def _non_empty(cls, v: dict[str, list[Any] | Range]) -> dict[str, list[Any] | Range]:
        for path, values in v.items():
            if isinstance(values, list) and not values:
                raise ValueError(f"axis {path} has no values")
        return v

    def axis_values(self) -> dict[str, list[Any]]:
        return {p: (v.values() if isinstance(v, Range) else list(v))
                for p, v in self.axes.items()}

    def grid_size(self) -> int:
        """Combinations of the axes' values (the grid is never built to count them)."""
        return math.prod(len(v) for v in self.axis_values().values())


def path_of(src: YamlSource, loc: tuple[str, ...]) -> str:
    """`file:line` of a field of the sweep file (the file alone when the line is unknown)."""
    line = src.line_of(loc)
    return f"{src.path}:{line}" if line else str(src.path)


def load_sweep(path: Path | str) -> tuple[SweepSpec, Path]:
    """The sweep spec of `path` (a file, or the name of a shipped sweep in designs/sweeps)
    and the resolved path of its base design."""
    path = Path(path)
    if not path.exists() and path.suffix == "" and len(path.parts) == 1:
        shipped = designs_dir() / "sweeps" / f"{path.name}.yaml"
        if shipped.is_file():
            path = shipped
    from eqchip.sweep.points import LINK_RULE, parse_link

    src = load_yaml(path, what="sweep YAML file")
    spec = validate_source(src, SweepSpec, what="sweep")
    clash = sorted(set(spec.axes) & (set(spec.set) | set(spec.link)) | set(spec.set) & set(
        spec.link))
    if clash:
        raise ConfigError(f"{path}: {', '.join(clash)} set more than once (axes, set, link)",
                          hint="give each field in one of axes, set or link")
    for field, expr in spec.link.items():
        try:
            parse_link(expr)
        except ValueError as exc:
            raise ConfigError(f"{path_of(src, ('link', field))}: link.{field}: {exc}",
                              hint="write the link as numbers, field paths, + - * / // % **, "
                                   f"parentheses and min/max/int/float/round/abs; {LINK_RULE}"
                              ) from None
    size = spec.grid_size()
    if spec.sample is None and size > MAX_POINTS:
        raise ConfigError(f"{path_of(src, ('axes',))}: axes: the grid has {size} points; a "
                          f"sweep runs at most {MAX_POINTS}",
                          hint=f"draw a sample of it (sample: {{points: N, seed: 0}}, N <= "
                               f"{MAX_POINTS}) or give the axes fewer values")
    base = Path(spec.base)
    local = (path.parent / base) if not base.is_absolute() else base
    base_path = local.resolve() if local.is_file() else resolve_design_path(spec.base)
    if not base_path.is_file():
        line = src.line_of(("base",))
        raise ConfigError(f"{path}:{line}: base: no design file {spec.base!r} (relative to "
                          f"{path.parent}) and no shipped design of that name",
                          hint="give a design YAML path or a shipped name such as small")
    return spec, base_path
