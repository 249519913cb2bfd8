"""Sweep files a careful user writes to break `eqchip sweep` (issue 23): every one ends in one
clear error naming the file, line and field (or marks its points invalid with the reason)
within seconds, with no Python traceback. `eqchip sweep` runs for real in a child process, with
a time limit (a hang fails) and an address-space limit (building a huge grid fails fast
instead of eating the machine's memory)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from eqchip.sweep.points import MAX_LINK_CHARS, MAX_LINK_DEPTH, evaluate

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "designs" / "small.yaml"
MEMORY_LIMIT = 2 << 30          # bytes of address space the sweep process may take


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _sweep(*args: str, cwd: Path, timeout: float = 120,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([sys.executable, "-m", "eqchip", "sweep", *args],
                              capture_output=True, text=True, cwd=cwd, timeout=timeout,
                              preexec_fn=_limit_memory,
                              env={**os.environ, "COLUMNS": "200", **(env or {})})
    except subprocess.TimeoutExpired:
        pytest.fail(f"`eqchip sweep {' '.join(args)}` did not end within {timeout} s")


def _file(folder: Path, axes: str, link: str = "", extra: str = "") -> Path:
    f = folder / "s.yaml"
    f.write_text(f"name: s\nbase: {SMALL}\naxes:\n{axes}\n"
                 + (f"link:\n  mram.word_bits: {link}\n" if link else "") + extra)
    return f


def _one_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.mark.parametrize("link, why", [
    ("9 ** 9 ** 9", "9 ** 387420489 is too large"),
    ("2 ** 100000000", "2 ** 100000000 is too large"),
    ("2 ** 200 * 2 ** 200", "a value of 401 bits"),
    ("1e308 * 10", "the value is inf"),
], ids=["9**9**9", "2**100000000", "401-bits", "inf"])
def test_huge_link_values_make_the_point_invalid_at_once(tmp_path: Path, link: str,
                                                         why: str) -> None:
    """`9 ** 9 ** 9` hung and `2 ** 100000000` ended in a ValueError traceback: a link's values
    are bounded, a point whose link breaks the bound is invalid with the reason, and a sweep
    with no valid point is refused before it touches its folder."""
    f = _file(tmp_path, "  clock.freq_mhz: [50]", link=link)
    dry = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "Traceback" not in dry.stderr
    assert f"invalid design: link mram.word_bits: {why}" in dry.stderr.replace("\n", " ")
    out = tmp_path / "out"
    run = _sweep(str(f), "-o", str(out), cwd=tmp_path, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    line = _one_error(run)
    assert f"{f}: none of the sweep's 1 points is a valid design" in line
    assert not out.exists()


@pytest.mark.parametrize("link, why", [
    ("+".join(["1"] * 50001), "the expression has 100001 characters; a link has at most "
                              f"{MAX_LINK_CHARS}"),
    ("-" * 20000 + "16", f"the expression has 20002 characters; a link has at most "
                         f"{MAX_LINK_CHARS}"),
    ("-" * 100 + "16", f"the expression nests deeper than {MAX_LINK_DEPTH} levels"),
    ("(" * 40 + "16" + ")" * 40 + " + max(", "not an expression"),
], ids=["50001-terms", "20000-minus", "100-minus", "syntax"])
def test_long_or_deep_link_is_one_error_naming_file_and_field(tmp_path: Path, link: str,
                                                             why: str) -> None:
    """50,001 `+` terms or 20,000 unary minus signs ended in RecursionError/MemoryError
    tracebacks: a link's length and nesting are bounded, checked when the file is read."""
    f = _file(tmp_path, "  clock.freq_mhz: [50]", link=link)
    proc = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_error(proc)
    assert line.startswith(f"error: {f}:6: link.mram.word_bits: {why}"), line
    assert "fix: write the link as numbers" in proc.stderr


def test_link_bounds_keep_ordinary_expressions() -> None:
    doc = {"fixed_point": {"weight_bits": 8}, "network": {"layers": [4, 4, 2]}}
    assert evaluate("2 ** fixed_point.weight_bits - 1", doc) == 255
    assert evaluate("max(network.layers) * 2", doc) == 8
    assert evaluate("2 ** 255", doc) == 2 ** 255
    assert evaluate("-" * (MAX_LINK_DEPTH // 2) + "3", doc) == 3
    with pytest.raises(ValueError, match="not a number"):
        evaluate("network.layers * 1000", doc)          # no list repetition


def test_infinite_range_is_one_error(tmp_path: Path) -> None:
    """`{from: 1, to: .inf}` ended in an OverflowError traceback."""
    f = _file(tmp_path, "  clock.freq_mhz: {from: 1, to: .inf, step: 1}")
    proc = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{f}:4: axes.clock.freq_mhz.range.to: Input should be a finite number" in \
        proc.stderr
    f = _file(tmp_path, "  clock.freq_mhz: {from: 1, to: 1e300, step: 1e-300}")
    proc = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2 and "has more than 10000 values; use a larger step" in \
        proc.stderr, proc.stderr


def test_sample_of_a_huge_grid_is_drawn_without_building_it(tmp_path: Path) -> None:
    """A 4000 x 4000 x 10000 grid with `sample: {points: 3}` built the whole product first
    (MemoryError traceback); the sample draws 3 indices of the grid, the same ones for the same
    seed; without a sample such a grid is refused, naming the file and the fix."""
    axes = ("  eqprop.t1: {from: 1, to: 4000, step: 1}\n"
            "  eqprop.t2: {from: 1, to: 4000, step: 1}\n"
            "  training.seed: {from: 1, to: 10000, step: 1}")
    f = _file(tmp_path, axes, extra="sample: {points: 3, seed: 5}\n")
    proc = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "3 points" in proc.stdout
    again = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=120)
    rows = [ln for ln in proc.stdout.splitlines() if ln.startswith("│")]
    assert len(rows) == 3 and rows == [ln for ln in again.stdout.splitlines()
                                       if ln.startswith("│")]
    f = _file(tmp_path, axes)
    proc = _sweep(str(f), "--dry-run", cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_error(proc)
    assert f"{f}:3: axes: the grid has 160000000000 points; a sweep runs at most" in line
    assert "sample: {points: N, seed: 0}" in proc.stderr


def test_sweep_folder_the_tools_cannot_read_is_refused_up_front(tmp_path: Path) -> None:
    """A sweep folder whose path has a space failed after minutes of work, in OpenSTA: it is
    refused before anything is written or trained (PDK_ROOT points nowhere, so a sweep that
    went on would fail its points instead: exit 1)."""
    out = tmp_path / "my sweeps" / "out"
    proc = _sweep("tiny_clock", "-o", str(out), cwd=tmp_path, timeout=120,
                  env={"PDK_ROOT": str(tmp_path / "no_pdk")})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_error(proc)
    assert line == (f"error: sweep folder {out} contains a space; the flow's tools (OpenSTA, "
                    "yosys) cannot read files there"), line
    assert "fix: give the sweep a folder whose path is plain ASCII without spaces (-o DIR)" \
        in proc.stderr
    assert not (tmp_path / "my sweeps").exists()
