"""What one MRAM macro is: words x bits of a technology. Every view is generated from this."""

from __future__ import annotations

from dataclasses import dataclass

from eqchip.config.arch import Arch, clog2, macro_module_name
from eqchip.config.mram_tech import MramTech


@dataclass(frozen=True)
class MacroSpec:
    words: int
    bits: int
    tech: MramTech

    @property
    def name(self) -> str:
        return macro_module_name(self.words, self.bits, self.tech.name)

    @property
    def addr_bits(self) -> int:
        return clog2(self.words)

    @property
    def capacity_bits(self) -> int:
        return self.words * self.bits


def macro_for(arch: Arch, tech: MramTech) -> MacroSpec:
    """The one macro shape a design instantiates (every bank uses identical macros)."""
    return MacroSpec(words=arch.words_per_macro, bits=arch.word_bits, tech=tech)
