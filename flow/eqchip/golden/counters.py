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


def inference_counters(arch: Arch, n_free: int | None = None) -> Counters:
    """CLEAR + T1 x STEP; with convergence-gated phases (`arch.early_stop`) `n_free`, the STEPs
    the free phase took (docs/architecture.md, "Convergence-gated phases"), replaces T1."""
    n = arch.t1 if n_free is None else _check_steps(arch, (n_free,))[0]
    return Counters(cycles=1 + n * step_cycles(arch), mram_reads=n * total_words(arch),
                    mram_writes=0)


def phase_limits(arch: Arch) -> tuple[int, ...]:
    """The fixed STEPs of each phase of a training operation: (T1, T2) or (T1, T2, T2)."""
    return (arch.t1, arch.t2, arch.t2) if arch.symmetric else (arch.t1, arch.t2)


def _check_steps(arch: Arch, steps: tuple[int, ...]) -> tuple[int, ...]:
    limits = phase_limits(arch)[:len(steps)]
    if any(not 1 <= int(n) <= t for n, t in zip(steps, limits, strict=True)):
        raise ValueError(f"STEPs per phase {tuple(steps)} outside 1 .. {limits}")
    if not arch.early_stop and tuple(steps) != limits:
        raise ValueError(f"a design without eqprop.early_stop runs {limits} STEPs per phase, "
                         f"not {tuple(steps)}")
    return tuple(int(n) for n in steps)


def nudged_steps(arch: Arch) -> int:
    """STEPs after the free phase: T2, or 2 T2 with symmetric nudging."""
    return arch.t2 * (2 if arch.symmetric else 1)


def wupd_cycles(arch: Arch, writes: int) -> int:
    """WUPD = FILL (1) + words x S + one cycle per written word (the WRITE takes the port in
    the word's last sub-cycle, so the next word's READ gets a cycle of its own)."""
    return 1 + word_pass_cycles(arch) + writes


def training_counters(arch: Arch, writes: int, steps: tuple[int, ...] | None = None,
                      skipped: bool = False) -> Counters:
    """CLEAR + T1 STEP + SAVE_FREE + T2 STEP [+ SWAP + T2 STEP] + WUPD (biases included).

    `writes` = MRAM words with at least one changed weight (each costs one extra cycle).
    Convergence-gated phases (`arch.early_stop`): `steps` = the STEPs each phase took
    (n_free, n_plus[, n_minus]) instead of (T1, T2[, T2]); `skipped`: the zero-update skip
    left out WUPD (0 cycles, 0 reads, no writes).
    """
    n = phase_limits(arch) if steps is None else _check_steps(arch, tuple(steps))
    if len(n) != len(phase_limits(arch)):
        raise ValueError(f"a training operation of {arch.name} has {len(phase_limits(arch))} "
                         f"phases, got STEPs {n}")
    if skipped and (not arch.early_stop or writes):
        raise ValueError("only a design with eqprop.early_stop skips WUPD, and a skipped WUPD "
                         "writes nothing")
    total = sum(n)
    wupd = 0 if skipped else wupd_cycles(arch, writes)
    cycles = 1 + total * step_cycles(arch) + 1 + (1 if arch.symmetric else 0) + wupd
    return Counters(cycles=cycles, mram_reads=(total + (0 if skipped else 1)) * total_words(arch),
                    mram_writes=writes)
