"""MRAM technology files: the device and periphery parameters from which every macro view is
generated. A design names one by name (`pdk_cfg/mram/<name>.yaml`, shipped with eqchip) or by
path (any `<name>.yaml`, relative to the design file)."""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import MAX_BYTES, parse_yaml
from eqchip.errors import ConfigError
from eqchip.fileio import sha256_bytes
from eqchip.resources import pdk_cfg_dir

#: a technology name: an identifier (it becomes part of the macro's module name)
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: the endings of a technology file named by path
SUFFIXES = (".yaml", ".yml")
#: `mram.technology` in a design: a shipped technology's name or the path of a technology file
TECH_REF_PATTERN = r"^(?:[A-Za-z_][A-Za-z0-9_]*|(?:.*/)?[A-Za-z_][A-Za-z0-9_]*\.ya?ml)$"


class _Strict(BaseModel):
    # Non-finite numbers (.inf, .nan) are rejected: they would reach Liberty and macro.json.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Source(_Strict):
    """Where a number comes from: a citation a reviewer can look up."""

    ref: str = Field(min_length=3, description="Citation (authors, venue, year) or URL")
    values: list[str] = Field(default_factory=list, description="Which fields it supports")


class CellParams(_Strict):
    """One 1T1MTJ bit cell (device numbers)."""

    area_um2: float = Field(gt=0, le=100, description="Area of one bit cell (1T1MTJ) in um^2")
    aspect_ratio: float = Field(
        gt=0.05, le=20, description="Cell height / width (NVSim CellAspectRatio); the bit line "
                                    "runs along the height, the word line along the width")
    access_width_um: float = Field(gt=0, le=50, description="Access transistor width, um")
    r_p_kohm: float = Field(gt=0, le=1e4, description="MTJ resistance, parallel (low) state, kohm")
    r_ap_kohm: float = Field(
        default=None, gt=0, le=1e4,
        description="MTJ resistance, antiparallel (high) state, kohm; give it or tmr_percent, "
                    "not both")
    tmr_percent: float = Field(
        default=None, gt=0, le=1e4,
        description="Tunnel magnetoresistance (R_AP - R_P) / R_P x 100 %; the alternative to "
                    "r_ap_kohm (R_AP = R_P (1 + TMR / 100)); give one of the two")
    read_voltage_v: float = Field(gt=0, le=1.0, description="Read (clamp) voltage across the cell")
    write_current_ua: float = Field(gt=0, le=1e4, description="Write (switching) current, uA")
    write_pulse_ns: float = Field(gt=0, le=1000, description="Write pulse width, ns")

    @model_validator(mode="before")
    @classmethod
    def _r_ap_or_tmr(cls, data: Any) -> Any:
        """Exactly one of r_ap_kohm and tmr_percent; the other is derived from it."""
        if not isinstance(data, dict):
            return data
        has_ap, has_tmr = data.get("r_ap_kohm") is not None, data.get("tmr_percent") is not None
        if has_ap == has_tmr:
            raise ValueError(
                ("r_ap_kohm and tmr_percent are both given; keep one of the two" if has_ap else
                 "r_ap_kohm (antiparallel resistance, kohm) or tmr_percent (TMR = (R_AP - R_P) "
                 "/ R_P x 100 %) is missing; give one of the two") + " (docs/mram.md)")
        r_p = data.get("r_p_kohm")
        known = data["r_ap_kohm" if has_ap else "tmr_percent"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   and v > 0 for v in (r_p, known)):
            return data                       # the field validators report the bad number
        if has_ap:
            return {**data, "tmr_percent": (known - r_p) / r_p * 100.0}
        return {**data, "r_ap_kohm": r_p * (1.0 + known / 100.0)}

    @model_validator(mode="after")
    def _tmr(self) -> CellParams:
        if self.r_ap_kohm <= self.r_p_kohm:
            raise ValueError("r_ap_kohm must exceed r_p_kohm (the antiparallel state is the "
                             "high-resistance state)")
        return self


class PeripheryParams(_Strict):
    """CMOS periphery of the macro (sky130 numbers; see docs/mram.md for each equation)."""

    supply_v: float = Field(gt=0, le=5, description="Periphery supply at the typical corner, V")
    column_mux_max: int = Field(ge=1, le=64, description="Largest column multiplexing (power of 2)")
    subarray_rows_max: int = Field(
        ge=16, le=1 << 20, description="Most word lines per subarray; taller arrays are split")
    gate_cap_ff_per_um: float = Field(gt=0, le=10, description="MOS gate capacitance per um width")
    junction_cap_ff_per_um: float = Field(
        gt=0, le=10, description="Drain junction + contact capacitance per um width")
    bitline_cap_ff_per_um: float = Field(gt=0, le=10, description="Bit/source-line wire, fF/um")
    wordline_cap_ff_per_um: float = Field(gt=0, le=10, description="Word-line wire, fF/um")
    wordline_res_ohm_per_um: float = Field(gt=0, le=1e4, description="Word-line wire, ohm/um")
    mux_width_um: float = Field(gt=0, le=50, description="Column-multiplexer transistor width")
    stage_effort: float = Field(gt=1.5, le=10, description="Fan-out per stage of driver chains")
    fo4_ns: float = Field(gt=0, le=10, description="Fan-out-of-4 inverter delay, ns")
    driver_kohm: float = Field(gt=0, le=1000,
                               description="Bit-line clamp / write-driver on-resistance, kohm")
    decoder_gate_cap_pf: float = Field(gt=0, le=1, description="Input pin of a decoder NAND, pF")
    decoder_gate_area_um2: float = Field(gt=0, le=1000)
    decoder_gate_leakage_nw: float = Field(ge=0, le=1e6)
    wl_driver_area_um2: float = Field(gt=0, le=1000)
    wl_driver_leakage_nw: float = Field(ge=0, le=1e6)
    register_clock_pj: float = Field(gt=0, le=10, description="Flip-flop internal energy per clock")
    register_clock_pin_pf: float = Field(ge=0, le=1, description="Flip-flop clock-pin capacitance")
    register_toggle_pj: float = Field(ge=0, le=10,
                                      description="Flip-flop internal energy per output toggle")
    register_clk_to_q_ns: float = Field(gt=0, le=10)
    register_area_um2: float = Field(gt=0, le=1000)
    register_leakage_nw: float = Field(ge=0, le=1e6)
    sense_energy_pj: float = Field(ge=0, le=100,
                                   description="Current-mode sense amplifier, energy per sense")
    sense_latency_ns: float = Field(ge=0, le=100)
    sense_leakage_nw: float = Field(ge=0, le=1e6)
    sense_amp_area_um2: float = Field(gt=0, le=1e5)
    write_driver_area_um2: float = Field(gt=0, le=1e5)
    write_driver_leakage_nw: float = Field(ge=0, le=1e6)
    bias_current_ua: float = Field(ge=0, le=1e4,
                                   description="Always-on read-clamp/reference bias current, uA")
    control_area_um2: float = Field(ge=0, le=1e6,
                                    description="Fixed area: control, timing, clock buffers")

    @model_validator(mode="after")
    def _mux(self) -> PeripheryParams:
        if self.column_mux_max & (self.column_mux_max - 1):
            raise ValueError(f"column_mux_max must be a power of two, got {self.column_mux_max}")
        return self


class WriteVerify(_Strict):
    """Read the word back after each write and rewrite it if a bit failed."""

    enabled: bool = False
    retry_probability: float = Field(
        ge=0, le=0.5, default=0.0, description="Probability that a word needs another write")


class SwitchingPulse(_Strict):
    """One write-pulse level of the stochastic write driver."""

    current_ua: float = Field(gt=0, le=1e4, description="Pulse current through the MTJ, uA")
    width_ns: float = Field(gt=0, le=1000, description="Pulse width, ns")


class StochasticSwitching(_Strict):
    """The MTJ's own stochastic switching, used by `fixed_point.update_rounding: mtj`
    (docs/mram.md, "Stochastic switching"). Thermally activated switching below the critical
    current (Neel-Brown with a barrier lowered linearly by the current):

        P_sw(I, t) = 1 - exp(-(t / tau0) exp(-delta (1 - I / Ic0)))      (I < Ic0)

    Level 0 is "no pulse" (P_sw = 0); `pulses` are levels 1..K in increasing P_sw; level K+1 is
    the normal write pulse (`cell.write_current_ua` > Ic0, precessional regime), taken as
    deterministic: P_sw = 1 (residual write error rate assumed 0; write-verify covers it). With
    both ends the levels are symmetric enough that an update just below an LSB boundary is not
    biased (a remainder close to 1 takes the certain step)."""

    model: Literal["thermal_activation"] = "thermal_activation"
    delta: float = Field(gt=1, le=200, description="Thermal stability factor E_b / kT")
    ic0_ua: float = Field(gt=0, le=1e4, description="Critical switching current Ic0, uA")
    tau0_ns: float = Field(gt=0, le=100, description="Attempt time tau0, ns")
    probability_bits: int = Field(
        ge=4, le=24, default=16,
        description="Switching probabilities are quantised to this many bits (the simulation's "
                    "stand-in random source compares that many random bits)")
    pulses: list[SwitchingPulse] = Field(
        min_length=1, max_length=15, description="Pulse levels 1..K, increasing P_sw")

    def p_switch(self, current_ua: float, width_ns: float) -> float:
        """P_sw of one pulse (thermal activation, docs/mram.md)."""
        rate = math.exp(-self.delta * (1.0 - current_ua / self.ic0_ua)) / self.tau0_ns
        return 1.0 - math.exp(-width_ns * rate)

    @property
    def probabilities(self) -> tuple[float, ...]:
        """P_sw of levels 0..K+1 (0: no pulse, K+1: the normal, deterministic write)."""
        return (0.0, *(self.p_switch(p.current_ua, p.width_ns) for p in self.pulses), 1.0)

    @model_validator(mode="after")
    def _levels(self) -> StochasticSwitching:
        for i, p in enumerate(self.pulses):
            if p.current_ua >= self.ic0_ua:
                raise ValueError(
                    f"pulses[{i}].current_ua = {p.current_ua} is not below ic0_ua = "
                    f"{self.ic0_ua}: the thermal-activation model holds only for I < Ic0; "
                    "use a smaller current or a shorter pulse")
        probs = self.probabilities
        q = [round(v * (1 << self.probability_bits)) for v in probs]
        for i in range(1, len(q)):
            if q[i] <= q[i - 1]:
                what = f"pulses[{i - 1}]" if i <= len(self.pulses) else "the normal write"
                raise ValueError(
                    f"{what} switches with P_sw = {probs[i]:.4g}, not more than the level "
                    f"below ({probs[i - 1]:.4g}, quantised to {self.probability_bits} bits); "
                    "order the pulses by increasing current x width, keep them apart and below "
                    "P_sw = 1")
        return self


class TimingParams(_Strict):
    setup_ns: float = Field(gt=0, le=100, default=0.3, description="Input setup time to CLK, ns")
    hold_ns: float = Field(ge=0, le=100, default=0.1, description="Input hold time after CLK, ns")
    input_cap_pf: float = Field(gt=0, le=10, default=0.005,
                                description="Signal input pin capacitance, pF")
    output_drive_ns_per_pf: float = Field(
        ge=0, le=1000, default=2.0, description="DOUT driver: extra clock-to-output delay per pF")
    output_transition_ns: float = Field(
        gt=0, le=100, default=0.1, description="DOUT transition time into a zero load, ns")
    max_output_cap_pf: float = Field(gt=0, le=100, default=0.5,
                                     description="Largest load on DOUT, pF")


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
        ge=5.0, le=10000, default=40.0, description="Distance between VPWR/VGND strap pairs, um")

    @model_validator(mode="after")
    def _ar(self) -> PhysicalParams:
        if self.aspect_ratio_min > self.aspect_ratio_max:
            raise ValueError("aspect_ratio_min must not exceed aspect_ratio_max")
        if self.power_strap_pitch_um < 2 * self.power_strap_width_um + 1.0:
            raise ValueError(
                f"power_strap_pitch_um ({self.power_strap_pitch_um}) must be at least "
                f"2 x power_strap_width_um + 1 um ({2 * self.power_strap_width_um + 1.0}) so a "
                "VPWR/VGND strap pair fits in one pitch")
        return self


class Corner(_Strict):
    """A PVT corner, named like the standard-cell corners (sky130_fd_sc_hd__<name>.lib).

    The scale factors multiply the tt numbers of the technology file."""

    name: str = Field(pattern=r"^(tt|ff|ss|fs|sf)_n?[0-9]{2,3}C_[0-9]v[0-9]{2}$")
    process: float = Field(gt=0, default=1.0)
    voltage: float = Field(gt=0, le=5)
    temperature: float = Field(ge=-60, le=175)
    delay_scale: float = Field(gt=0, le=100, default=1.0,
                               description="Times every CMOS periphery delay")
    leakage_scale: float = Field(gt=0, le=1e6, default=1.0,
                                 description="Times CMOS periphery leakage")

    @property
    def energy_scale(self) -> float:
        """C x V^2 scale of this corner against 1.8 V (for display; the macro model computes
        every energy at the corner voltage itself)."""
        return (self.voltage / 1.8) ** 2


_TT = Corner(name="tt_025C_1v80", voltage=1.8, temperature=25.0)


class MramTech(_Strict):
    """One MRAM technology: cited device numbers for one process node."""

    name: str = Field(pattern=NAME_PATTERN,
                      description="The technology's name: its file's stem (`<name>.yaml`); part "
                                  "of the macro module name")
    description: str = ""
    node_nm: int = Field(gt=0)
    device: Literal["stt", "sot", "vgsot"] = "stt"
    cell: CellParams
    periphery: PeripheryParams
    write_verify: WriteVerify = WriteVerify()
    stochastic_switching: StochasticSwitching | None = Field(
        default=None, description="Stochastic-switching write pulses (update_rounding: mtj)")
    timing: TimingParams = TimingParams()
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
        tt = next(c for c in self.corners if c.name.startswith("tt_"))
        if abs(tt.voltage - self.periphery.supply_v) > 1e-9:
            raise ValueError(f"the typical corner {tt.name} runs at {tt.voltage} V but "
                             f"periphery.supply_v is {self.periphery.supply_v} V; make them equal")
        # cell.write_current_ua against stochastic_switching.ic0_ua is a rule of the designs
        # that use the section (update_rounding: mtj; eqchip.config.consistency)
        return self

    @property
    def typical_corner(self) -> Corner:
        return next(c for c in self.corners if c.name.startswith("tt_"))

    def corner_for(self, pdk_corner: str) -> Corner | None:
        """The corner of the design's PDK corner (`tt` -> `tt_025C_1v80`), None if absent."""
        return next((c for c in self.corners if c.name.startswith(f"{pdk_corner}_")), None)


def mram_tech_path(name: str, root: Path | None = None) -> Path:
    return (root or pdk_cfg_dir()) / "mram" / f"{name}.yaml"


def available_mram_techs(root: Path | None = None) -> list[str]:
    """Names of the technology files shipped in `<root>/mram` (regular files only)."""
    return sorted(p.stem for p in ((root or pdk_cfg_dir()) / "mram").glob("*.yaml")
                  if p.is_file() and _is_name(p.stem))


def _is_name(text: str) -> bool:
    return re.fullmatch(NAME_PATTERN, text) is not None


def is_tech_path(ref: str) -> bool:
    """Does `mram.technology: ref` name a file by path (else a shipped technology by name)?"""
    return "/" in ref or ref.endswith(SUFFIXES)


def tech_ref_problem(ref: str) -> str | None:
    """Why `ref` is neither a technology name nor the path of a technology file (None: it is)."""
    if not is_tech_path(ref):
        return None if _is_name(ref) else (
            f"{ref!r} is neither the name of a shipped technology (letters, digits, _) nor the "
            f"path of a technology file ({' or '.join(SUFFIXES)})")
    stem = Path(ref).name
    for suffix in SUFFIXES:
        stem = stem.removesuffix(suffix)
    if not ref.endswith(SUFFIXES):
        return f"the technology file {ref!r} must end in {' or '.join(SUFFIXES)}"
    if not _is_name(stem):
        return (f"the stem {stem!r} of {ref!r} is not a technology name (letters, digits, _, "
                "not starting with a digit): it becomes part of the macro module name")
    return None


@dataclass(frozen=True)
class TechFile:
    """A technology as loaded: the file, its model and the sha256 of the bytes it was read from."""

    path: Path
    tech: MramTech
    sha256: str


def resolve_tech(ref: str, base: Path | None = None, root: Path | None = None) -> Path:
    """The file `mram.technology: ref` names: a path relative to `base` (the design file's
    folder; default the working folder), or `<root>/mram/<ref>.yaml` for a bare name."""
    if is_tech_path(ref):
        p = Path(ref)
        return p if p.is_absolute() else (base or Path.cwd()) / p
    return mram_tech_path(ref, root)


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _not_regular(path: Path, mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
    return f"{path} is {kind}, not a technology file"


def _read_bounded(path: Path, hint: str) -> bytes:
    """The bytes of the regular file `path`, at most MAX_BYTES; the type is checked before the
    file is opened (and again on the open file), so a FIFO or a device never blocks a read."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            msg = f"{path}: no such file"
        elif exc.errno == errno.ELOOP:
            msg = f"{path} is a symbolic link loop, not a technology file"
        else:
            msg = f"{path}: cannot be read ({exc.strerror or exc})"
        raise ConfigError(msg, hint) from None
    problem = _not_regular(path, st.st_mode)
    if problem is None and st.st_size > MAX_BYTES:
        problem = (f"{path}: {st.st_size / 1e6:.1f} MB is too large for a technology file (at "
                   f"most {MAX_BYTES // 1024} kB)")
    if problem:
        raise ConfigError(problem, hint)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})",
                          "check the technology file's permissions") from None
    try:
        problem = _not_regular(path, os.fstat(fd).st_mode)     # replaced since the stat
        if problem:
            raise ConfigError(problem, hint)
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(1 << 16, MAX_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise ConfigError(f"{path}: too large for a technology file (at most "
                          f"{MAX_BYTES // 1024} kB)", hint)
    return b"".join(chunks)


def load_tech(ref: str, base: Path | None = None, root: Path | None = None) -> TechFile:
    """The technology `mram.technology: ref` names (`resolve_tech`), read once: its model and the
    sha256 of exactly the bytes parsed. Errors are ConfigErrors naming the file and the fix."""
    problem = tech_ref_problem(ref)
    if problem:
        raise ConfigError(problem, "name a shipped technology (" +
                          ", ".join(available_mram_techs(root)) + ") or give the path of your "
                          "technology file relative to the design file, e.g. my_mtj.yaml")
    path = resolve_tech(ref, base, root)
    if is_tech_path(ref):
        hint = ("give the path of an MRAM technology YAML file, relative to the design file "
                "(docs/mram.md, \"Adding your own technology\")")
    else:
        hint = (f"use one of {', '.join(available_mram_techs(root))}, or give the path of your "
                "own technology file relative to the design file, e.g. my_mtj.yaml")
    data = _read_bounded(path, hint)
    what = "MRAM technology file"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})",
                          hint=f"save the {what} as UTF-8") from None
    tech = validate_source(parse_yaml(text, path, what=what), MramTech, what=what)
    stem = path.name.removesuffix(path.suffix)
    if tech.name != stem:
        raise ConfigError(
            f"{path}: name: {tech.name!r} is not the file's stem {stem!r} (a technology's name "
            "must equal its file name: it becomes part of the macro module name)",
            f"set `name: {stem}` in {path.name}, or rename the file to {tech.name}{path.suffix}")
    return TechFile(path=path, tech=tech, sha256=sha256_bytes(data))


def load_mram_tech(name: str, root: Path | None = None, base: Path | None = None) -> MramTech:
    """The technology named `name` (shipped, in `<root>/mram`) or at path `name` (relative to
    `base`, default the working folder)."""
    return load_tech(name, base, root).tech


def technology_json_schema() -> dict:
    """The JSON schema of MRAM technology files (`eqchip schema --technology`)."""
    schema = MramTech.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "eqchip MRAM technology"
    return schema
