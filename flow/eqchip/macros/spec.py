"""What one MRAM macro is: words x bits of a technology. Every view is generated from this."""

from __future__ import annotations

from dataclasses import dataclass

from eqchip.config.arch import Arch, clog2, macro_module_name
from eqchip.config.mram_tech import MramTech
from eqchip.errors import ConfigError

MAX_WORDS = 1 << 20
MAX_BITS = 1024


@dataclass(frozen=True)
class MacroSpec:
    words: int
    bits: int
    tech: MramTech

    def __post_init__(self) -> None:
        if not (1 <= self.words <= MAX_WORDS):
            raise ConfigError(f"MRAM macro words = {self.words} is out of range",
                              hint=f"use 1 .. {MAX_WORDS} words per macro")
        if not (1 <= self.bits <= MAX_BITS):
            raise ConfigError(f"MRAM macro bits = {self.bits} is out of range",
                              hint=f"use 1 .. {MAX_BITS} bits per word")

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
    def array_area_um2(self) -> float:
        """Bit cells plus the periphery that scales with them (array efficiency)."""
        return self.capacity_bits * self.tech.cell.area_um2 / self.tech.cell.array_efficiency

    @property
    def area_um2(self) -> float:
        """Area the technology file asks for (before snapping to the placement grid)."""
        return self.array_area_um2 + self.tech.cell.periphery_overhead_um2


def macro_for(arch: Arch, tech: MramTech) -> MacroSpec:
    """The one macro shape a design instantiates (every bank uses identical macros)."""
    return MacroSpec(words=arch.words_per_macro, bits=arch.word_bits, tech=tech)
