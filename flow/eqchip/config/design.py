"""The design YAML (`designs/*.yaml`): pydantic models, field by field, with units and ranges.

Single-field rules live on the fields; rules that tie fields together live in
`eqchip.config.consistency` so their messages can name every field involved.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from eqchip.config.mram_tech import TECH_REF_PATTERN, tech_ref_problem

#: longest `description`: it heads every generated RTL file
DESCRIPTION_MAX = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _power_of_two_shift(value: float, max_shift: int) -> int:
    """Return k with value == 2**-k, 0 <= k <= max_shift, or raise ValueError."""
    if not math.isfinite(value):
        raise ValueError(f"must be a finite power of two such as 0.5 or 0.125 (got {value})")
    if value <= 0:
        raise ValueError(f"must be a positive power of two such as 0.5 or 0.125 (got {value})")
    k = -math.log2(value)
    if abs(k - round(k)) > 1e-12 or not 0 <= round(k) <= max_shift:
        raise ValueError(
            f"must be a power of two 2^-k with 0 <= k <= {max_shift}, e.g. 1, 0.5, 0.25, 0.125")
    return int(round(k))


class Network(_Strict):
    layers: list[int] = Field(
        min_length=2, max_length=8,
        description="Neurons per layer, input first, output last (e.g. [64, 32, 10])")

    @field_validator("layers")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        for i, n in enumerate(v):
            if not 1 <= n <= 4096:
                raise ValueError(f"layer {i} has {n} neurons; each layer needs 1..4096")
        return v


class FixedPoint(_Strict):
    state_bits: int = Field(
        ge=2, le=16, description="Neuron state width: unsigned, state_bits-1 fraction bits, "
                                 "values 0..1 inclusive")
    weight_bits: int = Field(ge=4, le=32, description="Weight width, signed two's complement")
    weight_frac: int = Field(ge=1, le=31, description="Fraction bits of weights and biases")
    bias_bits: int = Field(ge=4, le=32, description="Bias width, signed, weight_frac fraction bits")
    acc_bits: int = Field(ge=8, le=64, description="Accumulator width, signed")
    update_rounding: Literal["nearest", "stochastic", "mtj"] = Field(
        default="nearest",
        description="Rounding of weight and bias updates: nearest = round half up; stochastic = "
                    "(d + u) >>> R with u the low R bits of the on-chip PRNG (see prng); mtj = "
                    "floor plus one LSB with the switching probability of an MTJ write pulse "
                    "chosen by the remainder (the technology's stochastic_switching; prng.seed "
                    "seeds only the simulation's stand-in for the device noise)")


class EqProp(_Strict):
    t1: int = Field(ge=1, le=4096, description="Free-phase steps")
    t2: int = Field(ge=1, le=4096, description="Nudged-phase steps (each nudged phase)")
    beta: float = Field(description="Nudging strength, a power of two (e.g. 0.5)")
    symmetric: bool = Field(description="Symmetric +/-beta nudging (three phases) instead of +beta")
    learning_rate: float | list[float] = Field(
        description="Learning rate, a power of two; or one per weight matrix, input side first")
    early_stop: bool = Field(
        default=False,
        description="Convergence-gated phases: end a free or nudged phase after the first STEP "
                    "that changes no neuron state (or after t1 / t2 STEPs), and skip the weight "
                    "update when no nudged STEP changed a state (its update is exactly zero). "
                    "Same states and weights bit for bit, fewer cycles and MRAM reads "
                    "(docs/architecture.md, \"Convergence-gated phases\")")

    @field_validator("beta", mode="before")
    @classmethod
    def _beta(cls, v: object) -> object:
        if isinstance(v, int | float) and not isinstance(v, bool):
            _power_of_two_shift(float(v), 16)
            return float(v)
        return v

    @field_validator("learning_rate", mode="before")
    @classmethod
    def _lr(cls, v: object) -> object:
        values = v if isinstance(v, list) else [v]
        for x in values:
            if isinstance(x, int | float) and not isinstance(x, bool):
                _power_of_two_shift(float(x), 24)
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if isinstance(v, list):
            return [float(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
        return v

    @property
    def beta_shift(self) -> int:
        return _power_of_two_shift(self.beta, 16)

    def lr_shifts(self, n_matrices: int) -> list[int]:
        rates = self.learning_rate if isinstance(self.learning_rate, list) else \
            [self.learning_rate] * n_matrices
        return [_power_of_two_shift(r, 24) for r in rates]


class Prng(_Strict):
    """The on-chip pseudo-random generator of stochastic update rounding (docs/architecture.md,
    "Stochastic rounding"). Used only with fixed_point.update_rounding: stochastic; with
    update_rounding: mtj the chip has no generator and `seed` seeds the simulation's stand-in
    for the MTJ's thermal noise ("MTJ stochastic switching")."""

    kind: Literal["xorshift32"] = Field(
        default="xorshift32", description="Generator: one 32-bit xorshift per lane (32 random bits "
                                          "per lane and WUPD sub-cycle)")
    seed: int = Field(default=1, ge=0, le=0xFFFF_FFFF,
                      description="32-bit design seed; the lane seeds are derived from it")


class Parallel(_Strict):
    mac_units: int = Field(ge=1, le=64, description="MAC units working on one MRAM word per cycle "
                                                    "(must divide the weights per word)")


class Mram(_Strict):
    technology: str = Field(
        min_length=1, max_length=1024, json_schema_extra={"pattern": TECH_REF_PATTERN},
        description="MRAM technology: the name of one shipped with eqchip (pdk_cfg/mram/<name>"
                    ".yaml, e.g. stt_sky130), or the path of your own technology file "
                    "<name>.yaml, relative to this design file (docs/mram.md)")
    word_bits: int = Field(ge=4, le=256, description="Bits per MRAM word (a multiple of "
                                                     "fixed_point.weight_bits)")
    words_per_macro: int = Field(ge=2, le=1 << 20, description="Words in one MRAM macro")
    max_macros: int = Field(default=64, ge=1, le=4096,
                            description="Upper bound on MRAM macro instances in the design")
    bias_rows: bool = Field(
        default=False,
        description="Store each hidden layer's biases as one more row of the MRAM bank above it "
                    "instead of in flip-flops (docs/architecture.md, \"Bias rows\"): fewer "
                    "registers, one more row of words per hidden layer in every STEP and WUPD. "
                    "Needs a hidden layer, bias_bits = weight_bits and update_rounding: nearest")

    @field_validator("technology")
    @classmethod
    def _technology(cls, value: str) -> str:
        problem = tech_ref_problem(value)
        if problem:
            raise ValueError(f"{problem}; e.g. stt_sky130 or my_mtj.yaml")
        return value


class Clock(_Strict):
    freq_mhz: float = Field(ge=0.001, le=1000, description=(
        "Target clock frequency, MHz, from 0.001 (1 kHz: slower clocks would overrun the "
        "simulators' 64-bit picosecond time) to 1000; the simulations run any of them with the "
        "half period rounded to a whole picosecond (eqchip.sim.clock)"))

    slow_corner_freq_mhz: float | None = Field(default=None, ge=0.001, le=1000, description=(
        "Clock the design is signed off at in the slow corner (ss_n40C_1v40: 1.40 V, -40 C), "
        "MHz, at most freq_mhz; default freq_mhz. sky130's cells are about 4x slower there "
        "than at tt_025C_1v80, so a part rated at freq_mhz for 1.80 V is usually rated lower "
        "for 1.40 V. Setup at the slow corner is checked (and repaired by OpenROAD) at this "
        "clock; tt and ff are checked at freq_mhz; the energy figures are tt's at freq_mhz"))

    @field_validator("freq_mhz", "slow_corner_freq_mhz", mode="before")
    @classmethod
    def _num(cls, v: object) -> object:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("slow_corner_freq_mhz")
    @classmethod
    def _slow_not_faster(cls, v: float | None, info: ValidationInfo) -> float | None:
        fast = info.data.get("freq_mhz")
        if v is not None and fast is not None and v > fast:
            raise ValueError(
                f"{v:g} MHz is above freq_mhz ({fast:g} MHz): the slow corner's clock can only "
                "be the same or slower; lower it or leave it out (then the slow corner is "
                "checked at freq_mhz)")
        return v

    @property
    def period_ns(self) -> float:
        return 1000.0 / self.freq_mhz

    @property
    def slow_corner_period_ns(self) -> float:
        """Clock period the slow corner's setup is checked at."""
        return 1000.0 / (self.slow_corner_freq_mhz or self.freq_mhz)


class Pdk(_Strict):
    name: Literal["sky130"] = "sky130"
    stdcell_library: Literal["sky130_fd_sc_hd"] = "sky130_fd_sc_hd"
    corner: Literal["tt", "ff", "ss"] = "tt"


class FlowOptions(_Strict):
    target_utilization: float = Field(default=0.4, gt=0.05, le=0.9,
                                      description="Standard-cell utilization of the core area")
    macro_halo_um: float = Field(default=10.0, ge=0, le=200, description="Keep-out around macros")
    core_margin_um: float = Field(default=10.0, ge=0, le=500, description="Die-to-core margin")
    synthesis_strategy: Literal["AREA0", "AREA1", "AREA2", "AREA3", "DELAY0", "DELAY1", "DELAY2",
                                "DELAY3", "DELAY4", "yosys"] = Field(
        default="AREA1",
        description="ABC script of the yosys synthesis: SiliconCompiler's syn_asic strategies "
                    "(from OpenLane and OpenROAD-flow-scripts), or `yosys` for yosys' own script. "
                    "AREA1 measured on digits: 148,182 um2 of standard cells against 150,278 "
                    "with AREA0 and 148,730 with AREA2, in 1.5 times AREA0's synthesis time "
                    "(AREA0 earlier: 6 % less area and 19 % "
                    "higher fmax than `yosys`); on mnist's 169k cells AREA0's ABC run did not end "
                    "in 37 CPU minutes where `yosys` synthesised the whole design in 13 minutes")

    @property
    def abc_strategy(self) -> str | None:
        """The syn_asic `strategy` to set (None: leave yosys' own ABC script)."""
        return None if self.synthesis_strategy == "yosys" else self.synthesis_strategy

    @field_validator("target_utilization", "macro_halo_um", "core_margin_um", mode="before")
    @classmethod
    def _num(cls, v: object) -> object:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Training(_Strict):
    dataset: Literal["digits", "synthetic"] = Field(
        default="digits", description="digits: scikit-learn's 8x8 digits; synthetic: random data")
    epochs: int = Field(default=30, ge=1, le=1000)
    batch_size: int = Field(default=20, ge=1, le=4096,
                            description="Mini-batch of the floating-point reference; the chip "
                                        "itself learns online, one sample per training operation")
    seed: int = Field(default=0, ge=0)
    test_size: int = Field(default=360, ge=1, description="Samples held out for testing")


class ReportOptions(_Strict):
    compare_with: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,47}$",
        description="Reference design whose build in the same build root (<root>/<name>) the "
                    "report compares per synapse (energy, area, bits, accuracy), e.g. digits")


class Design(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,47}$",
                      description="Plain identifier; prefixes every generated module")
    description: str = Field(
        default="", max_length=DESCRIPTION_MAX,
        description=f"Free text, one line of at most {DESCRIPTION_MAX} characters (it heads "
                    "every generated RTL file)")
    network: Network
    fixed_point: FixedPoint
    eqprop: EqProp
    parallel: Parallel
    mram: Mram
    clock: Clock
    pdk: Pdk = Pdk()
    flow: FlowOptions = FlowOptions()
    training: Training = Training()
    prng: Prng = Prng()
    report: ReportOptions = ReportOptions()

    @field_validator("description")
    @classmethod
    def _one_line(cls, v: str) -> str:
        v = v.strip()                 # a folded YAML scalar (`>`) ends with a newline
        if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in v):
            raise ValueError("must be one line of text without control characters (it is "
                             "written into a comment line of every generated RTL file)")
        return v
