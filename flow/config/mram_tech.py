"""MRAM technology files (`pdk_cfg/mram/<name>.yaml`): the device and periphery parameters from
which every macro view is generated."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import load_yaml
from eqchip.errors import ConfigError
from eqchip.resources import pdk_cfg_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Source(_Strict):
    """Where a number comes from: a citation a reviewer can look up."""

    ref: str = Field(min_length=3, description="Citation (authors, venue, year) or URL")
    values: list[str] = Field(default_factory=list, description="Which fields it supports")


class CellParams(_Strict):
    area_um2: float = Field(gt=0, le=100, description="Area of one bit cell (1T1MTJ) in um^2")
    array_efficiency: float = Field(
        gt=0, le=1, description="Fraction of macro area that is bit cells (rest: periphery)")
    periphery_overhead_um2: float = Field(
        ge=0, default=0.0, description="Fixed periphery area per macro (decoders, sense amps)")


class EnergyParams(_Strict):
    read_pj_per_bit: float = Field(gt=0, description="Energy of reading one bit, pJ")
    write_pj_per_bit: float = Field(gt=0, description="Energy of writing one bit, pJ")
    standby_leakage_uw: float = Field(
        ge=0, description="Periphery standby leakage of one macro, uW (the array is non-volatile)")
    standby_leakage_uw_per_kbit: float = Field(
        ge=0, default=0.0, description="Extra periphery leakage per kbit of capacity, uW")


class TimingParams(_Strict):
    read_ns: float = Field(gt=0, le=1000, description="Read access time (clock to data out), ns")
    write_ns: float = Field(gt=0, le=1000, description="Write pulse time, ns")
    setup_ns: float = Field(gt=0, default=0.3, description="Input setup time to CLK, ns")
    hold_ns: float = Field(ge=0, default=0.1, description="Input hold time after CLK, ns")
    input_cap_pf: float = Field(gt=0, default=0.005, description="Signal input pin capacitance, pF")


class PhysicalParams(_Strict):
    signal_layers: list[Literal["met2", "met3"]] = Field(
        default=["met2", "met3"], min_length=1, description="Layers for signal pins")
    power_layer: Literal["met4"] = "met4"
    obstruction_layers: list[str] = Field(default=["li1", "met1", "met2", "met3"])
    aspect_ratio_min: float = Field(gt=0, default=0.5, description="Minimum width/height")
    aspect_ratio_max: float = Field(gt=0, default=2.0, description="Maximum width/height")

    @model_validator(mode="after")
    def _ar(self) -> PhysicalParams:
        if self.aspect_ratio_min > self.aspect_ratio_max:
            raise ValueError("aspect_ratio_min must not exceed aspect_ratio_max")
        return self


class MramTech(_Strict):
    """One MRAM technology: cited device numbers for one process node."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str = ""
    node_nm: int = Field(gt=0)
    device: Literal["stt", "sot", "vgsot"] = "stt"
    cell: CellParams
    energy: EnergyParams
    timing: TimingParams
    physical: PhysicalParams = PhysicalParams()
    sources: list[Source] = Field(min_length=1)


def mram_tech_path(name: str, root: Path | None = None) -> Path:
    return (root or pdk_cfg_dir()) / "mram" / f"{name}.yaml"


def available_mram_techs(root: Path | None = None) -> list[str]:
    return sorted(p.stem for p in ((root or pdk_cfg_dir()) / "mram").glob("*.yaml"))


def load_mram_tech(name: str, root: Path | None = None) -> MramTech:
    path = mram_tech_path(name, root)
    if not path.is_file():
        raise ConfigError(
            f"MRAM technology {name!r} not found (looked for {path})",
            hint=f"use one of {available_mram_techs(root)} or add {path.name} to {path.parent}")
    return validate_source(load_yaml(path), MramTech, what="MRAM technology file")
