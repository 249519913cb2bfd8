"""One pass over a value change dump read as a stream (a pipe the simulator writes into):
the activity of the training operation and of its leading inference window at once, with no
waveform on disk or in memory.

It gives what `eqchip.power.activity.step_activity` and `leading_activity` give from a VCD
file (the same `Activity` records, value for value), for the variables of the DUT scope:

- the operation: the longest busy interval (`vcd.busy_windows`: from busy's rise to its fall,
  its cycles the rising clock edges sampled busy);
- the inference: the same operation's first `inference_cycles` cycles, from busy's rise to the
  `inference_cycles`-th rising clock edge after it;
- per bit, toggles and time high inside each window (`vcd.count`: a change whose value equals
  the previous one is no toggle, the first value of a signal is none, x and z count as 0);
- MRAM reads and writes at the rising CLK edges of the macro scopes (CE, WE just before).

The body is read in chunks cut at timestamp lines and parsed with numpy: per line only its
first byte and its identifier are looked at, identifiers of signals outside the DUT scope are
dropped, and per bit the toggles and high time are accumulated with `bincount`, so the cost
is a few array operations per value change. The clock, busy and macro pins (a few changes per
cycle) go through a small Python state machine that finds the windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from eqchip.power.vcd import (
    Activity,
    MacroAccess,
    VcdError,
    VcdHeader,
    Window,
    dut_scope,
    macro_scopes,
    parse_header,
)

#: bytes read from the stream per chunk (cut back to the last timestamp line in it)
CHUNK_BYTES = 1 << 21
_SCALAR = np.zeros(256, bool)
_SCALAR[[ord(c) for c in "01xXzZ"]] = True
_MAX_ID = 9                          # 95**9 < 2**63: an identifier's key fits an int64
_LUT_ID = 3


@dataclass
class _Acc:
    """Toggles and high time per tracked bit inside [w0, w1) (w1 unknown while open)."""

    w0: int
    n: int
    w1: int | None = None
    cycles: int = 0
    finished: bool = False
    toggles: np.ndarray = field(init=False)
    high: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.toggles = np.zeros(self.n, np.int64)
        self.high = np.zeros(self.n, np.float64)


@dataclass
class _Candidate:
    """One busy interval being read: the operation and its leading inference window."""

    step: _Acc
    inference: _Acc | None
    edges: int = 0                   # rising clock edges after busy's rise


@dataclass(frozen=True)
class StreamActivity:
    """What one pass gave: the windows' activity of every bit of the DUT scope."""

    header: VcdHeader
    scope: str
    step: Activity
    inference: Activity | None       # None: the operation has fewer cycles than asked
    n_windows: int
    bytes_read: int
    value_changes: int


def _key(code: bytes) -> int:
    return sum((b - 32) * 95 ** i for i, b in enumerate(code))


class _Reader:
    """The state of one pass (see the module docstring)."""

    def __init__(self, hdr: VcdHeader, name: Path, inference_cycles: int | None) -> None:
        self.name = name
        self.hdr = hdr
        self.scope = dut_scope(hdr, _top_ports())
        prefix = self.scope + "."
        # tracked codes (aliases share a code): bit slots base..base+width-1, LSB first
        self.codes: dict[str, tuple[int, int]] = {}
        n = 0
        for v in hdr.vars:
            if v.path.startswith(prefix) and v.code not in self.codes:
                self.codes[v.code] = (n, v.width)
                n += v.width
        self.n = n
        self.vars = [v for v in hdr.vars if v.path.startswith(prefix)]
        # control signals: clock, busy and the macros' CLK, CE, WE
        self.clk = self._code(f"{self.scope}.clk", "clock")
        self.busy = self._code(f"{self.scope}.busy", "busy")
        self.macros = macro_scopes(hdr, self.scope)
        self.pins: dict[str, list[tuple[int, str]]] = {}
        for k, s in enumerate(self.macros):
            for pin in ("CLK", "CE", "WE"):
                self.pins.setdefault(self._code(f"{s}.{pin}", f"MRAM macro pin {pin}"),
                                     []).append((k, pin))
        ctrl = {self.clk, self.busy, *self.pins}
        all_codes = set(self.codes) | ctrl
        if max(len(c) for c in all_codes) > _MAX_ID:
            raise VcdError(f"{name}: identifier codes longer than {_MAX_ID} characters")
        keys = sorted((_key(c.encode()), c) for c in all_codes)
        self.keys = np.array([k for k, _ in keys], np.int64)
        self.key_codes = [c for _, c in keys]
        self.id_len = max(len(c) for c in all_codes)
        # identifiers of up to 3 characters (830k signals): a direct table key -> index
        self.lut: np.ndarray | None = None
        if self.id_len <= _LUT_ID:
            self.lut = np.full(95 ** self.id_len, -1, np.int32)
            self.lut[self.keys] = np.arange(len(self.keys), dtype=np.int32)
        # per key index: slot base (-1: not tracked), width, control flag
        self.k_base = np.array([self.codes.get(c, (-1, 0))[0] for c in self.key_codes],
                               np.int64)
        self.k_width = np.array([self.codes.get(c, (0, 1))[1] for c in self.key_codes],
                                np.int64)
        self.k_ctrl = np.array([c in ctrl for c in self.key_codes], bool)
        # per-bit state: last value, time of that value, seen at all
        self.val = np.zeros(n, np.uint8)
        self.since = np.zeros(n, np.int64)
        self.seen = np.zeros(n, bool)
        self.t = 0
        # window finding (vcd.busy_windows / rising_edges / count's macro sampling)
        self.inference_cycles = inference_cycles
        self.clk_val = self.busy_val = self.busy_before = 0
        self.ctrl_t = -1
        self.mstate = [{"CLK": 0, "CE": 0, "WE": 0} for _ in self.macros]
        self.mbefore = [dict(m) for m in self.mstate]
        self.access: list[tuple[int, int, bool]] = []   # (time, macro, write)
        self.cur: _Candidate | None = None
        self.best: _Candidate | None = None
        self.closing: list[_Acc] = []          # windows that ended in the current chunk
        self.done: list[_Candidate] = []       # operations that ended in the current chunk
        self.n_windows = 0
        self.changes = 0

    def _code(self, path: str, what: str) -> str:
        v = self.hdr.find(path)
        if v is None:
            raise VcdError(f"{self.name}: no signal {path!r} ({what})",
                           hint="dump the DUT's top-level ports (clk, busy) into the VCD")
        return v.code

    # --- one chunk: whole lines, starting at a timestamp line (or the body's start) ----------
    def chunk(self, data: bytes) -> None:
        a = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(a == 10)
        if len(ends) == 0:
            return
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        ends = ends - (a[np.maximum(ends - 1, 0)] == 13) * (ends > starts)   # "\r\n"
        first = a[starts]
        # the time of every line: the last timestamp line at or before it
        is_t = first == 35
        t_lines = np.flatnonzero(is_t)
        stamps = np.array([self.t] + [int(data[s + 1:e]) for s, e in
                                      zip(starts[t_lines].tolist(), ends[t_lines].tolist(),
                                          strict=True)], np.int64)
        line_t = stamps[np.cumsum(is_t)]
        if len(t_lines):
            self.t = int(stamps[-1])
        # scalar lines: '0'/'1'/x/z then the identifier
        sc = np.flatnonzero(_SCALAR[first])
        s_len = ends[sc] - starts[sc] - 1
        key = np.zeros(len(sc), np.int64)
        at = starts[sc] + 1
        for i in range(self.id_len):
            byte = a[np.minimum(at + i, len(a) - 1)].astype(np.int64) - 32
            key += np.where(s_len > i, byte * 95 ** i, 0)
        key[(s_len > self.id_len) | (s_len < 1)] = -1
        if self.lut is not None:
            pos = self.lut[np.maximum(key, 0)]
            hit = (pos >= 0) & (key >= 0)
        else:
            pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            hit = self.keys[pos] == key
        sc, pos = sc[hit], pos[hit]
        s_val = (first[sc] == 49).astype(np.uint8)
        # vector lines ('b'), and scalars of vector signals: per line in Python (few)
        slow = np.flatnonzero((first == 98) | (first == 66))
        wide = self.k_width[pos] != 1
        slow_lines = [(int(i), data[starts[i] + 1:ends[i]].strip().decode("ascii", "replace")
                       ) for i in slow.tolist()]
        slow_lines += [(int(i), data[starts[i]:starts[i] + 1].decode("ascii", "replace") + " "
                        + self.key_codes[p]) for i, p in zip(sc[wide].tolist(),
                                                             pos[wide].tolist(), strict=True)]
        fast = ~wide & (self.k_base[pos] >= 0)
        rec_line = [sc[fast]]
        rec_slot = [self.k_base[pos[fast]]]
        rec_val = [s_val[fast]]
        ctrl = [(int(i), self.key_codes[p], int(v)) for i, p, v in
                zip(sc[self.k_ctrl[pos] & ~wide].tolist(), pos[self.k_ctrl[pos] & ~wide].tolist(),
                    s_val[self.k_ctrl[pos] & ~wide].tolist(), strict=True)]
        if slow_lines:
            ln, sl, vl = [], [], []
            for i, text in slow_lines:
                val, _, code = text.partition(" ")
                if code in self.codes:
                    base, w = self.codes[code]
                    bits = val.lower().rjust(w, "0")[-w:][::-1]
                    ln += [i] * w
                    sl += range(base, base + w)
                    vl += [c == "1" for c in bits]
                if code in (self.clk, self.busy) or code in self.pins:
                    ctrl.append((i, code, _as_bit(val)))
            rec_line.append(np.array(ln, np.int64))
            rec_slot.append(np.array(sl, np.int64))
            rec_val.append(np.array(vl, np.uint8))
            ctrl.sort()
        line = np.concatenate(rec_line)
        slot = np.concatenate(rec_slot)
        val = np.concatenate(rec_val)
        self.changes += len(line)
        closed = self._control([(int(line_t[i]), c, v) for i, c, v in ctrl])
        self._count(line_t[line], slot, val, line, len(first))
        for acc in closed:
            self._finish(acc)
        self._promote()

    def _count(self, t: np.ndarray, slot: np.ndarray, val: np.ndarray, line: np.ndarray,
               n_lines: int) -> None:
        """Toggles and high time of the chunk's changes into the open windows, and the
        per-bit state to the end of the chunk."""
        if len(slot) == 0:
            return
        order = np.argsort(slot * n_lines + line)
        s, v, t = slot[order], val[order], t[order]
        same = np.empty(len(s), bool)
        same[0] = False
        same[1:] = s[1:] == s[:-1]
        pv = np.where(same, np.roll(v, 1), self.val[s])
        pt = np.where(same, np.roll(t, 1), self.since[s])
        ps = same | self.seen[s]
        tog = ps & (v != pv)
        for acc in self._accs():
            lo, hi = acc.w0, acc.w1 if acc.w1 is not None else np.iinfo(np.int64).max
            inside = tog & (t >= lo) & (t < hi)
            acc.toggles += np.bincount(s[inside], minlength=self.n)
            dur = np.clip(np.minimum(t, hi) - np.maximum(pt, lo), 0, None)
            acc.high += np.bincount(s, weights=pv * dur, minlength=self.n)
        last = np.empty(len(s), bool)
        last[:-1] = ~same[1:]
        last[-1] = True
        ls = s[last]
        self.val[ls] = v[last]
        self.since[ls] = t[last]
        self.seen[ls] = True

    def _accs(self) -> list[_Acc]:
        """Windows that are open, or closed in the current chunk and not yet finished."""
        out = list(self.closing)
        if self.cur is not None:
            out += [a for a in (self.cur.step, self.cur.inference)
                    if a is not None and all(a is not b for b in out)]
        return [a for a in out if not a.finished]

    def _finish(self, acc: _Acc) -> None:
        """Add the high time from each bit's last change to the window's end."""
        assert acc.w1 is not None and not acc.finished
        dur = np.clip(acc.w1 - np.maximum(self.since, acc.w0), 0, None)
        acc.high += self.val * dur.astype(np.float64)
        acc.finished = True

    # --- the windows: busy, clock and macro pins, in order ------------------------------------
    def _control(self, events: list[tuple[int, str, int]]) -> list[_Acc]:
        """Run the window state machine over the chunk's control changes; returns the windows
        that closed in the chunk (they still take the chunk's changes before their end)."""
        self.closing = []
        for t, code, new in events:
            if t != self.ctrl_t:
                if self.cur is not None and self.cur.step.w1 is not None:
                    self._close_step()
                self.busy_before, self.ctrl_t = self.busy_val, t
                for k, m in enumerate(self.mstate):
                    self.mbefore[k] = dict(m)
            if code == self.clk:
                if new and not self.clk_val:
                    self._clock_edge(t)
                self.clk_val = new
            if code == self.busy:
                if new and not self.busy_val:
                    self._open(t)
                elif self.busy_val and not new and self.cur is not None:
                    self.cur.step.w1 = t
                self.busy_val = new
            for k, pin in self.pins.get(code, ()):
                if pin == "CLK" and new and not self.mstate[k]["CLK"] and self.mbefore[k]["CE"]:
                    self.access.append((t, k, bool(self.mbefore[k]["WE"])))
                self.mstate[k][pin] = new
        return list(self.closing)

    def _open(self, t: int) -> None:
        if self.cur is not None and self.cur.step.w1 is not None:
            self._close_step()
        inf = _Acc(t, self.n) if self.inference_cycles else None
        self.cur = _Candidate(_Acc(t, self.n), inf)

    def _clock_edge(self, t: int) -> None:
        c = self.cur
        if c is None:
            return
        if self.busy_before:
            c.step.cycles += 1
        if c.inference is not None and c.inference.w1 is None and t > c.step.w0 and (
                c.step.w1 is None or t <= c.step.w1):
            c.edges += 1
            if c.edges == self.inference_cycles:
                c.inference.w1, c.inference.cycles = t, c.edges
                self.closing.append(c.inference)

    def _close_step(self) -> None:
        c = self.cur
        assert c is not None
        self.closing.append(c.step)
        self.n_windows += 1
        self.done.append(c)
        self.cur = None

    def _promote(self) -> None:
        """Keep the longest operation (the first of equal length, like `max`)."""
        for c in self.done:
            if c.inference is not None and c.inference.w1 is None:
                c.inference = None                      # fewer cycles than asked
            if self.best is None or c.step.cycles > self.best.step.cycles:
                self.best = c
        self.done = []

    def end(self) -> None:
        """End of the stream: an operation whose fall was read is complete."""
        self.closing = []
        if self.cur is not None and self.cur.step.w1 is not None:
            self._close_step()
        for acc in self.closing:
            self._finish(acc)
        self._promote()

    # --- results -----------------------------------------------------------------------------
    def activity(self, acc: _Acc) -> Activity:
        assert acc.w1 is not None
        win = Window(acc.w0, acc.w1, acc.cycles)
        macros = [MacroAccess(s) for s in self.macros]
        for t, k, write in self.access:
            if acc.w0 < t <= acc.w1:
                if write:
                    macros[k].writes += 1
                else:
                    macros[k].reads += 1
        act = Activity(window=win, timescale_s=self.hdr.timescale_s, macros=macros)
        span = max(1, acc.w1 - acc.w0)
        tog = acc.toggles.tolist()
        high = acc.high.tolist()
        for v in self.vars:
            base, _ = self.codes[v.code]
            for i, bit in enumerate(v.bit_names()):
                act.toggles[bit] = tog[base + i]
                act.duty[bit] = float(high[base + i]) / span
        return act


def _as_bit(val: str) -> int:
    """Bit 0 of a VCD value (x, z: 0), like `vcd._as_int(val) & 1`."""
    return 1 if val[-1:] == "1" else 0


def _top_ports() -> set[str]:
    from eqchip.power.activity import TOP_PORTS

    return TOP_PORTS


def stream_activity(fh: BinaryIO, name: Path, inference_cycles: int | None = None,
                    chunk_bytes: int = CHUNK_BYTES) -> StreamActivity:
    """Read the VCD in `fh` to its end (see the module docstring). `name` names it in errors;
    `inference_cycles` (None: no inference window) is the length of the leading window."""
    hdr = parse_header(fh, name)
    r = _Reader(hdr, name, inference_cycles)
    n_bytes = hdr.body_offset
    carry = b""
    while True:
        data = fh.read(chunk_bytes)
        n_bytes += len(data)
        buf = carry + data if carry else data
        if not data:
            if buf:
                r.chunk(buf if buf.endswith(b"\n") else buf + b"\n")
            break
        cut = buf.rfind(b"\n#")
        if cut < 0:
            carry = buf
            continue
        r.chunk(buf[:cut + 1])
        carry = buf[cut + 1:]
    r.end()
    if r.best is None:
        raise VcdError(f"{name}: `busy` never rose and fell: the VCD holds no complete operation",
                       hint="dump a whole training operation, up to and including the clock "
                            "edge where busy falls")
    inf = r.activity(r.best.inference) if r.best.inference is not None else None
    return StreamActivity(hdr, r.scope, r.activity(r.best.step), inf, r.n_windows, n_bytes,
                          r.changes)
