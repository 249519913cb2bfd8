"""Cut a VCD down to one time window and to the DUT's hierarchy.

Icarus dumps only around the window ($dumpon/$dumpoff), Verilator (whose $dumpoff is a no-op)
dumps the whole run; both go through `window_vcd` so the result looks the same: scopes
`<tb>.dut...`, the values at the window's start as a $dumpvars block, the changes inside
[t0, t1), a final `#t1`, no $date (the same run gives the same bytes).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from eqchip.fileio import write_bytes_atomic

_UNIT_S = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15}


def timescale_seconds(text: str) -> float:
    """Seconds per time unit of a VCD `$timescale` body ("1ns", "10 ps", "100fs"; no number
    means 1). ValueError if it is not one. Shared by the simulation and the report."""
    t = text.replace(" ", "")
    unit = t.lstrip("0123456789")
    num = t[: len(t) - len(unit)]
    if unit not in _UNIT_S:
        raise ValueError(f"unknown VCD timescale {text!r}")
    return int(num or "1") * _UNIT_S[unit]


def _tokens(fh: io.TextIOBase) -> Iterator[str]:
    for line in fh:
        yield from line.split()
        if "$enddefinitions" in line:
            return


def window_vcd(src: Path, dst: Path, tb: str, t0_ps: int, t1_ps: int) -> None:
    """Write `dst`: the signals under `<tb>.dut` of `src` between t0 and t1 (ps)."""
    out: list[str] = []
    keep_ids: set[str] = set()
    scale = 1.0
    with open(src, encoding="utf-8", errors="replace") as fh:
        toks = _tokens(fh)
        stack: list[str] = []
        emitted: list[bool] = []
        for tok in toks:
            if tok == "$timescale":
                ts = []
                for t in toks:
                    if t == "$end":
                        break
                    ts.append(t)
                scale = timescale_seconds("".join(ts)) * 1e12      # ps per unit
                out.append(f"$timescale {''.join(ts)} $end")
            elif tok == "$scope":
                kind, name, _ = next(toks), next(toks), next(toks)
                stack.append(name)
                norm = stack[stack.index(tb):] if tb in stack else []
                show = bool(norm) and (norm == [tb] or norm[:2] == [tb, "dut"])
                emitted.append(show)
                if show:
                    out.append(f"$scope {kind} {name} $end")
            elif tok == "$upscope":
                next(toks)
                stack.pop()
                if emitted.pop():
                    out.append("$upscope $end")
            elif tok == "$var":
                fields = []
                for t in toks:
                    if t == "$end":
                        break
                    fields.append(t)
                norm = stack[stack.index(tb):] if tb in stack else []
                if norm[:2] == [tb, "dut"]:
                    keep_ids.add(fields[2])
                    out.append("$var " + " ".join(fields) + " $end")
            elif tok in ("$date", "$version", "$comment"):
                for t in toks:
                    if t == "$end":
                        break
            elif tok == "$enddefinitions":
                next(toks, None)
                break
        out.append("$enddefinitions $end")
        t0, t1 = round(t0_ps / scale), round(t1_ps / scale)
        cur: dict[str, str] = {}
        started = False
        now = 0
        for line in fh:
            s = line.strip()
            if not s or s.startswith("$"):
                continue
            if s[0] == "#":
                now = int(s[1:])
                if now >= t1:
                    break
                if now > t0:
                    if not started:
                        out.append(f"#{t0}")
                        out.append("$dumpvars")
                        out.extend(cur[i] for i in sorted(cur))
                        out.append("$end")
                        started = True
                    out.append(s)
                continue
            if s[0] in "bBrR":
                ident = s.split()[-1]
            else:
                ident = s[1:]
            if ident not in keep_ids:
                continue
            if now <= t0:
                cur[ident] = s
            else:
                out.append(s)
    if not started:
        out.append(f"#{t0}")
        out.append("$dumpvars")
        out.extend(cur[i] for i in sorted(cur))
        out.append("$end")
    out.append(f"#{t1}")
    write_bytes_atomic(dst, ("\n".join(out) + "\n").encode("utf-8"))
