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
    output_drive_ns_per_pf: float = Field(
        ge=0, default=2.0, description="DOUT driver: extra clock-to-output delay per pF of load")
    output_transition_ns: float = Field(
        gt=0, default=0.1, description="DOUT transition time into a zero load, ns")
    max_output_cap_pf: float = Field(gt=0, default=0.5, description="Largest load on DOUT, pF")


class PhysicalParams(_Strict):
    signal_layers: list[Literal["met2", "met3"]] = Field(
        default=["met2", "met3"], min_length=1, description="Layers for signal pins")
    power_layer: Literal["met4"] = "met4"
    obstruction_layers: list[str] = Field(default=["li1", "met1", "met2", "met3"])
    aspect_ratio_min: float = Field(gt=0, default=0.5, description="Minimum width/height")
    aspect_ratio_max: float = Field(gt=0, default=2.0, description="Maximum width/height")
    pin_pitch_tracks: int = Field(
        ge=1, le=8, default=2, description="Signal pins sit on every n-th routing track")
    pin_length_um: float = Field(
        ge=0.5, le=10, default=1.0, description="How far a signal pin reaches into the macro, um")
    power_strap_width_um: float = Field(
        ge=0.3, le=10, default=1.6, description="Width of the met4 VPWR/VGND straps, um")
    power_strap_pitch_um: float = Field(
        gt=0, default=40.0, description="Distance between VPWR/VGND strap pairs, um")

    @model_validator(mode="after")
    def _ar(self) -> PhysicalParams:
        if self.aspect_ratio_min > self.aspect_ratio_max:
            raise ValueError("aspect_ratio_min must not exceed aspect_ratio_max")
        return self


class Corner(_Strict):
    """A PVT corner, named like the standard-cell corners (sky130_fd_sc_hd__<name>.lib).

    The scale factors multiply the tt numbers of the technology file."""

    name: str = Field(pattern=r"^(tt|ff|ss|fs|sf)_n?[0-9]{2,3}C_[0-9]v[0-9]{2}$")
    process: float = Field(gt=0, default=1.0)
    voltage: float = Field(gt=0, le=5)
    temperature: float = Field(ge=-60, le=175)
    delay_scale: float = Field(gt=0, default=1.0, description="Times read/setup/hold/write")
    energy_scale: float = Field(gt=0, default=1.0, description="Times read/write energy")
    leakage_scale: float = Field(gt=0, default=1.0, description="Times standby leakage")


_TT = Corner(name="tt_025C_1v80", voltage=1.8, temperature=25.0)


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
    corners: list[Corner] = Field(default=[_TT], min_length=1,
                                  description="PVT corners to write Liberty views for")
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _corners(self) -> MramTech:
        names = [c.name for c in self.corners]
        if len(set(names)) != len(names):
            raise ValueError(f"corner names must be unique, got {names}")
        if not any(n.startswith("tt_") for n in names):
            raise ValueError("corners must include a typical (tt_...) corner")
        return self

    @property
    def typical_corner(self) -> Corner:
        return next(c for c in self.corners if c.name.startswith("tt_"))


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
    what = "MRAM technology file"
    return validate_source(load_yaml(path, what=what), MramTech, what=what)
