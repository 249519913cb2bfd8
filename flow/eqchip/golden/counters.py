"""Cycle and MRAM-access counts of one operation (docs/architecture.md, "Cycle schedule")."""

from __future__ import annotations

from dataclasses import dataclass

from eqchip.config.arch import Arch


@dataclass(frozen=True)
class Counters:
    """What the CYCLES, MRAM_READS and MRAM_WRITES registers show after one operation."""

    cycles: int
    mram_reads: int
    mram_writes: int

    def __add__(self, other: Counters) -> Counters:
        return Counters(self.cycles + other.cycles, self.mram_reads + other.mram_reads,
                        self.mram_writes + other.mram_writes)


def total_words(arch: Arch) -> int:
    return sum(m.words for m in arch.matrices)


def word_pass_cycles(arch: Arch) -> int:
    """S COMPUTE sub-cycles for every MRAM word of every matrix (the next word's READ overlaps
    the last sub-cycle of the word before)."""
    return total_words(arch) * arch.subcycles_per_word


def step_cycles(arch: Arch) -> int:
    """STEP = per segment (the column blocks of W_{L-1} and W_{L-2}, then W_{L-3} .. W_0): FILL
    (1, the READ of its first word), then every word with its STEP sub-cycles (S, or S/2 for a
    paired W_0)."""
    return arch.step_segments + sum(m.words * arch.step_subcycles(m) for m in arch.matrices)


def inference_counters(arch: Arch) -> Counters:
    """CLEAR + T1 x STEP."""
    return Counters(cycles=1 + arch.t1 * step_cycles(arch),
                    mram_reads=arch.t1 * total_words(arch), mram_writes=0)


def nudged_steps(arch: Arch) -> int:
    """STEPs after the free phase: T2, or 2 T2 with symmetric nudging."""
    return arch.t2 * (2 if arch.symmetric else 1)


def wupd_cycles(arch: Arch, writes: int) -> int:
    """WUPD = FILL (1) + words x S + one cycle per written word (the WRITE takes the port in
    the word's last sub-cycle, so the next word's READ gets a cycle of its own)."""
    return 1 + word_pass_cycles(arch) + writes


def training_counters(arch: Arch, writes: int) -> Counters:
    """CLEAR + T1 STEP + SAVE_FREE + T2 STEP [+ SWAP + T2 STEP] + WUPD (biases included).

    `writes` = MRAM words with at least one changed weight (each costs one extra cycle).
    """
    steps = arch.t1 + nudged_steps(arch)
    cycles = (1 + steps * step_cycles(arch) + 1 + (1 if arch.symmetric else 0)
              + wupd_cycles(arch, writes))
    return Counters(cycles=cycles, mram_reads=(steps + 1) * total_words(arch),
                    mram_writes=writes)
