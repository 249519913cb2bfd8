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
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eqchip.config.design import Design
from eqchip.config.loader import resolve_design_path
from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import load_yaml
from eqchip.errors import ConfigError
from eqchip.resources import designs_dir

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


class Range(_Strict):
    """Inclusive range `from`, `from + step`, ... up to `to`."""

    start: float = Field(alias="from")
    stop: float = Field(alias="to")
    step: float = Field(gt=0)

    def values(self) -> list[int | float]:
        out: list[int | float] = []
        n = int((self.stop - self.start) / self.step + 1e-9)
        if n < 0 or n > 10000:
            raise ValueError("a range needs from <= to and at most 10000 values")
        ints = all(float(x).is_integer() for x in (self.start, self.stop, self.step))
        for i in range(n + 1):
            v = self.start + i * self.step
            out.append(int(round(v)) if ints else round(v, 12))
        return out


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
    axes: dict[str, list[Any] | Range] = Field(
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


def load_sweep(path: Path | str) -> tuple[SweepSpec, Path]:
    """The sweep spec of `path` (a file, or the name of a shipped sweep in designs/sweeps)
    and the resolved path of its base design."""
    path = Path(path)
    if not path.exists() and path.suffix == "" and len(path.parts) == 1:
        shipped = designs_dir() / "sweeps" / f"{path.name}.yaml"
        if shipped.is_file():
            path = shipped
    src = load_yaml(path, what="sweep YAML file")
    spec = validate_source(src, SweepSpec, what="sweep")
    clash = sorted(set(spec.axes) & (set(spec.set) | set(spec.link)) | set(spec.set) & set(
        spec.link))
    if clash:
        raise ConfigError(f"{path}: {', '.join(clash)} set more than once (axes, set, link)",
                          hint="give each field in one of axes, set or link")
    try:
        for values in spec.axes.values():
            if not isinstance(values, list):
                values.values()
    except ValueError as exc:
        raise ConfigError(f"{path}: axes: {exc}", hint="fix the range") from None
    base = Path(spec.base)
    local = (path.parent / base) if not base.is_absolute() else base
    base_path = local.resolve() if local.is_file() else resolve_design_path(spec.base)
    if not base_path.is_file():
        line = src.line_of(("base",))
        raise ConfigError(f"{path}:{line}: base: no design file {spec.base!r} (relative to "
                          f"{path.parent}) and no shipped design of that name",
                          hint="give a design YAML path or a shipped name such as small")
    return spec, base_path
