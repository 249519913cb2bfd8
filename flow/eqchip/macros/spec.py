"""What one MRAM macro is: words x bits of a technology. Every view is generated from this."""

from __future__ import annotations

from dataclasses import dataclass

from eqchip.config.arch import Arch, clog2, macro_module_name
from eqchip.config.mram_model import Organisation, area_parts, organisation
from eqchip.config.mram_tech import MramTech
from eqchip.errors import ConfigError

MAX_WORDS = 1 << 20
MAX_BITS = 1024


@dataclass(frozen=True)
class MacroSpec:
    words: int
    bits: int
    tech: MramTech
    mux: int | None = None     # column multiplexing; None: chosen by the model (choose_mux)

    def __post_init__(self) -> None:
        if not (1 <= self.words <= MAX_WORDS):
            raise ConfigError(f"MRAM macro words = {self.words} is out of range",
                              hint=f"use 1 .. {MAX_WORDS} words per macro")
        if not (1 <= self.bits <= MAX_BITS):
            raise ConfigError(f"MRAM macro bits = {self.bits} is out of range",
                              hint=f"use 1 .. {MAX_BITS} bits per word")
        if self.mux is not None and (self.mux < 1 or self.mux & (self.mux - 1)
                                     or self.mux > self.words):
            raise ConfigError(f"MRAM macro column multiplexing {self.mux} is not allowed",
                              hint=f"use a power of two from 1 to {self.words} (the words)")

    @property
    def name(self) -> str:
        return macro_module_name(self.words, self.bits, self.tech.name)

    @property
    def addr_bits(self) -> int:
        return clog2(self.words)

    @property
    def capacity_bits(self) -> int:
        return self.words * self.bits

    @property
    def organisation(self) -> Organisation:
        return organisation(self.words, self.bits, self.tech, self.mux)

    @property
    def area_parts_um2(self) -> dict[str, float]:
        """Area of each part of the macro (eqchip.config.mram_model)."""
        return area_parts(self.organisation, self.tech)

    @property
    def array_area_um2(self) -> float:
        """The bit cells alone."""
        return self.area_parts_um2["cell array"]

    @property
    def area_um2(self) -> float:
        """Area of the macro model: cells plus periphery (before snapping to the placement
        grid)."""
        return sum(self.area_parts_um2.values())


def macro_for(arch: Arch, tech: MramTech) -> MacroSpec:
    """The one macro shape a design instantiates (every bank uses identical macros)."""
    return MacroSpec(words=arch.words_per_macro, bits=arch.word_bits, tech=tech)
