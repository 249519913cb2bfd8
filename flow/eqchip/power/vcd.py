"""Value change dump -> per-bit toggle counts and duty cycles over a window of clock cycles.

One streaming pass per question, O(changed bits) work per value change, no waveform kept in
memory: `busy_windows` finds the operations (intervals with the DUT's `busy` = 1), `count` then
counts toggles, high time and MRAM accesses inside one window.

Names: a signal is known by its hierarchical name `scope1.scope2.name`; bit `i` of a vector
declared `[msb:lsb]` is `(name, i)` with `i` the declared index (so `x[3:0]` bit 0 is the LSB).
x and z count as 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from eqchip.errors import EqchipError
from eqchip.sim.vcd import timescale_seconds


class VcdError(EqchipError):
    """A value change dump is unreadable or lacks a signal the report needs."""


@dataclass(frozen=True)
class VcdVar:
    code: str
    path: str            # hierarchical name, scopes joined by '.'
    width: int
    lsb: int             # declared index of the least significant bit
    msb: int

    def bit_names(self) -> list[tuple[str, int]]:
        step = 1 if self.msb >= self.lsb else -1
        return [(self.path, self.lsb + i * step) for i in range(self.width)]


@dataclass
class VcdHeader:
    timescale_s: float
    vars: list[VcdVar]
    scopes: dict[str, set[str]]      # scope path -> names of the variables declared in it
    body_offset: int                 # byte offset of the first line after $enddefinitions

    def find(self, path: str) -> VcdVar | None:
        return next((v for v in self.vars if v.path == path), None)


@dataclass(frozen=True)
class Window:
    """An interval of simulation time in VCD time units: [start, end)."""

    start: int
    end: int
    cycles: int          # rising clock edges in (start, end]: the edges that end busy cycles


@dataclass
class MacroAccess:
    """MRAM accesses sampled at the rising CLK edges of one macro instance."""

    scope: str
    reads: int = 0
    writes: int = 0


@dataclass
class Activity:
    """Toggles and duty of every bit inside one window."""

    window: Window
    timescale_s: float
    toggles: dict[tuple[str, int], int] = field(default_factory=dict)
    duty: dict[tuple[str, int], float] = field(default_factory=dict)
    macros: list[MacroAccess] = field(default_factory=list)

    def rate(self, bit: tuple[str, int]) -> float:
        """Toggles per clock cycle of the window."""
        return self.toggles.get(bit, 0) / max(1, self.window.cycles)

    @property
    def mram_reads(self) -> int:
        return sum(m.reads for m in self.macros)

    @property
    def mram_writes(self) -> int:
        return sum(m.writes for m in self.macros)


def read_header(path: Path) -> VcdHeader:
    path = Path(path)
    if not path.is_file():
        raise VcdError(f"VCD file {path} does not exist",
                       hint="run `eqchip sim <design> --vcd FILE` to write one")
    with open(path, "rb") as fh:
        return parse_header(fh, path)


def parse_header(fh: BinaryIO, path: Path) -> VcdHeader:
    """The header of the VCD open in `fh` (a file or a pipe), read up to and including the
    `$enddefinitions` line; `fh` is left at the first line of the body (`body_offset` counts
    the bytes read). `path` names the VCD in errors."""
    scope: list[str] = []
    out: list[VcdVar] = []
    scopes: dict[str, set[str]] = {}
    ts = 1e-9
    offset = 0
    pending_ts = False
    while True:
        raw = fh.readline()
        if not raw:
            raise VcdError(f"{path}: no $enddefinitions: not a complete VCD header")
        offset += len(raw)
        line = raw.decode("utf-8", "replace").strip()
        if pending_ts or line.startswith("$timescale"):
            text = line.replace("$timescale", "").replace("$end", "").strip()
            if text:
                ts = _timescale(text, path)
                pending_ts = False
            else:
                pending_ts = not line.endswith("$end") or line == "$timescale"
            continue
        tok = line.split()
        if not tok:
            continue
        if tok[0] == "$scope" and len(tok) >= 3:
            scope.append(tok[2])
            scopes.setdefault(".".join(scope), set())
        elif tok[0] == "$upscope":
            if scope:
                scope.pop()
        elif tok[0] == "$var" and len(tok) >= 5:
            width, code = int(tok[2]), tok[3]
            full = "".join(t for t in tok[4:] if t != "$end")   # "q [7:0]" -> "q[7:0]"
            name, msb, lsb = _split_range(full, width)
            p = ".".join([*scope, name])
            scopes.setdefault(".".join(scope), set()).add(name)
            out.append(VcdVar(code, p, width, lsb, msb))
        elif tok[0] == "$enddefinitions":
            return VcdHeader(ts, out, scopes, offset)


_RANGE = re.compile(r"^(.*)\[(-?\d+)(?::(-?\d+))?\]$")


def _split_range(full: str, width: int) -> tuple[str, int, int]:
    """(name, msb, lsb) of a declared `name[msb:lsb]` / `name[i]` (1 bit) / `name`. Only the
    last bracket group is a range: `g_l1[0].h[7:0]` is the vector `g_l1[0].h`."""
    m = _RANGE.match(full)
    if m:
        if m.group(3) is not None:
            return m.group(1), int(m.group(2)), int(m.group(3))
        if width == 1:              # "q [3]" or an escaped "\\q[3]": bit 3 of q
            return m.group(1), int(m.group(2)), int(m.group(2))
    return full, width - 1, 0


def _timescale(text: str, path: Path) -> float:
    try:
        return timescale_seconds(text)
    except ValueError:
        raise VcdError(f"{path}: unknown $timescale {text!r}") from None


def _changes(path: Path, hdr: VcdHeader) -> Iterator[tuple[int, str, str]]:
    """(time, code, value) for every value change; value is '0'/'1' or a bit string MSB first."""
    t = 0
    with open(path, "rb") as fh:
        fh.seek(hdr.body_offset)
        for raw in fh:
            if not raw:
                continue
            c = raw[0]
            if c == 35:                                   # '#'
                t = int(raw[1:])
            elif c in (48, 49, 120, 88, 122, 90):         # 0 1 x X z Z
                yield t, raw[1:].strip().decode(), "1" if c == 49 else "0"
            elif c in (98, 66):                           # b B
                val, _, code = raw[1:].strip().decode().partition(" ")
                yield t, code, val
            # '$dumpvars', '$end', 'r...' (reals) and comments carry nothing we count


def _as_int(val: str) -> int:
    if val in ("0", "1"):
        return int(val)
    bits = val.lower().replace("x", "0").replace("z", "0")
    return int(bits, 2) if bits else 0


def _scalar(hdr: VcdHeader, path: str, what: str, vcd: Path) -> VcdVar:
    v = hdr.find(path)
    if v is None:
        raise VcdError(f"{vcd}: no signal {path!r} ({what})",
                       hint="dump the DUT's top-level ports (clk, busy) into the VCD")
    return v


def busy_windows(vcd: Path, hdr: VcdHeader, clk: str, busy: str) -> list[Window]:
    """Every interval with busy = 1 whose fall is in the VCD, with the number of rising clk
    edges sampled busy (the edge where busy falls ends the last busy cycle). An operation whose
    fall is not in the VCD (a dump switched off while busy is 1, or at the edge where it falls,
    with no values for that edge) has no window."""
    cv, bv = _scalar(hdr, clk, "clock", vcd), _scalar(hdr, busy, "busy", vcd)
    clk_val, busy_val, busy_before = 0, 0, 0
    start, cycles, cur_t, closing = -1, 0, -1, -1
    wins: list[Window] = []
    for t, code, val in _changes(vcd, hdr):
        if t != cur_t:
            if closing >= 0:                 # busy fell at the previous timestamp
                wins.append(Window(start, closing, cycles))
                start = closing = -1
            busy_before, cur_t = busy_val, t
        if code == cv.code:
            new = _as_int(val) & 1
            if new and not clk_val and busy_before:
                cycles += 1                  # a clock edge that ends a busy cycle
            clk_val = new
        if code == bv.code:
            new = _as_int(val) & 1
            if new and not busy_val:
                start, cycles, closing = t, 0, -1
            elif busy_val and not new and start >= 0:
                closing = t
            busy_val = new
    if closing >= 0:
        wins.append(Window(start, closing, cycles))
    return wins


def count(vcd: Path, hdr: VcdHeader, window: Window, macro_scopes: list[str] | None = None
          ) -> Activity:
    """Toggles and high time of every bit in [window.start, window.end); MRAM accesses of the
    given macro scopes (signals CLK, CE, WE) sampled at their rising CLK edges.

    The streaming pass only records (time, value) per signal; toggles and high times are then
    counted per signal with numpy (bits as a uint8 matrix), so the cost per change is a list
    append, whatever the vector width."""
    by_code: dict[str, list[VcdVar]] = {}
    for v in hdr.vars:
        by_code.setdefault(v.code, []).append(v)
    watch: dict[str, list[tuple[int, str]]] = {}   # code -> [(macro index, CLK/CE/WE)]
    macros = [MacroAccess(s) for s in (macro_scopes or [])]
    for i, s in enumerate(macro_scopes or []):
        for pin in ("CLK", "CE", "WE"):
            v = _scalar(hdr, f"{s}.{pin}", f"MRAM macro pin {pin}", vcd)
            watch.setdefault(v.code, []).append((i, pin))   # codes are shared by aliases
    mstate = [{"CLK": 0, "CE": 0, "WE": 0} for _ in macros]
    mbefore = [dict(m) for m in mstate]
    cur_t = -1
    w0, w1 = window.start, window.end
    times: dict[str, list[int]] = {}
    vals: dict[str, list[str]] = {}
    for t, code, val in _changes(vcd, hdr):
        if t > w1:
            break
        if watch:
            if t != cur_t:
                cur_t = t
                for k, m in enumerate(mstate):
                    mbefore[k] = dict(m)
            new = _as_int(val) & 1
            for k, pin in watch.get(code, ()):
                # accesses of the busy cycles are taken at the edges that end them: (w0, w1]
                if pin == "CLK" and new and not mstate[k]["CLK"] and w0 < t <= w1:
                    if mbefore[k]["CE"]:
                        if mbefore[k]["WE"]:
                            macros[k].writes += 1
                        else:
                            macros[k].reads += 1
                mstate[k][pin] = new
        if t == w1:
            continue
        lt = times.get(code)
        if lt is None:
            times[code] = [t]
            vals[code] = [val]
        else:
            lt.append(t)
            vals[code].append(val)
    span = max(1, w1 - w0)
    act = Activity(window=window, timescale_s=hdr.timescale_s, macros=macros)
    for code, vs in by_code.items():
        tog, high = _bit_stats(times.get(code, []), vals.get(code, []), vs[0].width, w0, w1)
        for v in vs:
            for i, bit in enumerate(v.bit_names()):
                act.toggles[bit] = int(tog[i])
                act.duty[bit] = float(high[i]) / span
    return act


def _bit_stats(ts: list[int], vs: list[str], w: int, w0: int, w1: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per bit (LSB first): toggles at times in [w0, w1), and time high inside [w0, w1).
    The first recorded value of a signal is its initial value, not a toggle."""
    if not ts:
        return np.zeros(w, np.int64), np.zeros(w, np.int64)
    raw = "".join(v.rjust(w, "0")[-w:] for v in vs).encode("ascii", "replace")
    bits = (np.frombuffer(raw, np.uint8).reshape(len(vs), w) == 49)[:, ::-1]
    t = np.asarray(ts, dtype=np.int64)
    ends = np.append(t[1:], w1)
    dur = np.clip(np.minimum(ends, w1) - np.maximum(t, w0), 0, None)
    high = dur @ bits.astype(np.int64)
    if len(vs) < 2:
        return np.zeros(w, np.int64), high
    inside = (t[1:] >= w0) & (t[1:] < w1)
    tog = (bits[1:][inside] != bits[:-1][inside]).sum(axis=0)
    return tog.astype(np.int64), high


def macro_scopes(hdr: VcdHeader, under: str) -> list[str]:
    """Scopes below `under` that look like an MRAM macro instance (CLK, CE, WE, ADDR, DOUT)."""
    need = {"CLK", "CE", "WE", "ADDR", "DIN", "DOUT"}
    return sorted(s for s, names in hdr.scopes.items()
                  if s.startswith(under + ".") and need <= {n.split("[")[0] for n in names})


def dut_scope(hdr: VcdHeader, ports: set[str]) -> str:
    """The deepest scope that declares every one of `ports`: the design's top instance (a
    testbench around it declares the same names one level up)."""
    best = [s for s, names in hdr.scopes.items() if ports <= names]
    if not best:
        raise VcdError(f"no scope of the VCD declares the top-level ports {sorted(ports)}",
                       hint="dump the whole DUT (e.g. $dumpvars(0, <design>_top))")
    return max(best, key=lambda s: (s.count("."), s))


def values_at(vcd: Path, hdr: VcdHeader, paths: list[str], t_end: int) -> dict[str, int]:
    """Integer value of each signal in `paths` after every change at time <= t_end (signals
    missing from the VCD are left out)."""
    want = {v.code: v.path for v in hdr.vars if v.path in paths}
    out: dict[str, int] = {}
    for t, code, val in _changes(vcd, hdr):
        if t > t_end:
            break
        if code in want:
            out[want[code]] = _as_int(val)
    return out


def values_at_edges(vcd: Path, hdr: VcdHeader, clk: str, paths: list[str]
                    ) -> list[dict[str, int]]:
    """Per rising edge of `clk`, in one pass: the integer value of each signal in `paths` after
    every change at that edge's time (the registers as the cycle the edge starts sees them;
    signals missing from the VCD are left out)."""
    cv = _scalar(hdr, clk, "clock", vcd)
    want: dict[str, list[str]] = {}
    for v in hdr.vars:
        if v.path in paths:
            want.setdefault(v.code, []).append(v.path)
    cur: dict[str, int] = {}
    out: list[dict[str, int]] = []
    val, rose, now = 0, False, 0
    for t, code, v in _changes(vcd, hdr):
        if t != now:
            if rose:
                out.append(dict(cur))
            rose, now = False, t
        if code == cv.code:
            new = _as_int(v) & 1
            rose = rose or (new == 1 and val == 0)
            val = new
        for path in want.get(code, ()):
            cur[path] = _as_int(v)
    if rose:
        out.append(dict(cur))
    return out


def rising_edges(vcd: Path, hdr: VcdHeader, clk: str, t0: int, t1: int) -> list[int]:
    """Times of the rising edges of `clk` in (t0, t1]."""
    cv = _scalar(hdr, clk, "clock", vcd)
    val, out = 0, []
    for t, code, v in _changes(vcd, hdr):
        if t > t1:
            break
        if code == cv.code:
            new = _as_int(v) & 1
            if new and not val and t0 < t:
                out.append(t)
            val = new
    return out


def first_time_equal(vcd: Path, hdr: VcdHeader, path: str, value: int, t0: int, t1: int
                     ) -> int | None:
    """The first time in (t0, t1] at which the signal `path` takes `value` (None: never)."""
    var = hdr.find(path)
    if var is None:
        raise VcdError(f"{vcd}: no signal {path}")
    for t, code, v in _changes(vcd, hdr):
        if t > t1:
            break
        if code == var.code and t0 < t and "x" not in v.lower() and _as_int(v) == value:
            return t
    return None
