"""The logic of standard cells from a Liberty file: per cell, its input and output pins, the
Boolean function of each output, and whether it is a flip-flop or latch.

A small reader made for activity propagation: it reads `cell`, `pin`, `direction`, `function`,
`ff`/`latch` groups and `area`, nothing else (timing and power tables stay with OpenSTA).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eqchip.errors import EqchipError

_CELL = re.compile(r'^\s*cell\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{', re.M)
_PIN = re.compile(r'^\s*pin\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{', re.M)
_DIR = re.compile(r'^\s*direction\s*:\s*"?(\w+)"?\s*;', re.M)
_FUNC = re.compile(r'^\s*function\s*:\s*"([^"]*)"\s*;', re.M)
_SEQ = re.compile(r'^\s*(ff|latch|ff_bank|latch_bank|statetable)\s*\(', re.M)
_AREA = re.compile(r'^\s*area\s*:\s*([0-9.eE+-]+)\s*;', re.M)


class LibertyError(EqchipError):
    """A Liberty file cannot be read."""


@dataclass(frozen=True)
class PowerTable:
    """One rise_power or fall_power table: energy (library energy unit, pJ for sky130) per
    transition, indexed by input slew (ns) and, for output pins, load (pF)."""

    slews: tuple[float, ...]
    loads: tuple[float, ...]          # empty for a 1-D (input pin) table
    values: tuple[tuple[float, ...], ...]

    def energy(self, slew: float, load: float = 0.0) -> float:
        i, fi = _locate(self.slews, slew)
        if not self.loads:                      # 1-D: one value per slew
            vals = [r[0] for r in self.values]
            if len(vals) < 2:
                return float(vals[0]) if vals else 0.0
            return vals[i] + fi * (vals[i + 1] - vals[i])
        j, fj = _locate(self.loads, load)
        v = self.values
        a = v[i][j] + fj * (v[i][j + 1] - v[i][j]) if len(v[i]) > 1 else v[i][0]
        b = v[i + 1][j] + fj * (v[i + 1][j + 1] - v[i + 1][j]) if len(v[i + 1]) > 1 \
            else v[i + 1][0]
        return a + fi * (b - a)


def _locate(index: tuple[float, ...], x: float) -> tuple[int, float]:
    """Segment and fraction of x in `index`, clamped to the table (no extrapolation)."""
    if len(index) < 2:
        return 0, 0.0
    x = min(max(x, index[0]), index[-1])
    for k in range(len(index) - 1):
        if x <= index[k + 1]:
            span = index[k + 1] - index[k]
            return k, (x - index[k]) / span if span else 0.0
    return len(index) - 2, 1.0


@dataclass(frozen=True)
class InternalPower:
    pin: str
    related_pin: str            # '' for an input pin's own table
    when: str                   # '' if unconditional
    rise: PowerTable | None
    fall: PowerTable | None

    def energy(self, slew: float, load: float = 0.0) -> float:
        """Average energy of one transition (rise and fall alternate)."""
        es = [t.energy(slew, load) for t in (self.rise, self.fall) if t is not None]
        return sum(es) / len(es) if es else 0.0


@dataclass(frozen=True)
class CellLogic:
    name: str
    inputs: tuple[str, ...]
    outputs: dict[str, str] = field(hash=False)   # output pin -> function text ('' if none)
    sequential: bool
    area: float
    caps: dict[str, float] = field(default_factory=dict, hash=False)     # input pin -> pF
    internal: tuple[InternalPower, ...] = ()


def read_liberty(path: Path) -> dict[str, CellLogic]:
    path = Path(path)
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise LibertyError(f"cannot read Liberty file {path}: {exc}") from None
    starts = [(m.start(), m.group(1)) for m in _CELL.finditer(text)]
    if not starts:
        raise LibertyError(f"{path}: no cell groups: not a Liberty library")
    cells: dict[str, CellLogic] = {}
    for k, (pos, name) in enumerate(starts):
        body = text[pos:starts[k + 1][0] if k + 1 < len(starts) else len(text)]
        pins = list(_PIN.finditer(body))
        ins: list[str] = []
        outs: dict[str, str] = {}
        caps: dict[str, float] = {}
        internal: list[InternalPower] = []
        for j, pm in enumerate(pins):
            pbody = body[pm.end():pins[j + 1].start() if j + 1 < len(pins) else len(body)]
            d = _DIR.search(pbody)
            direction = d.group(1) if d else "input"
            f = _FUNC.search(pbody)
            if direction == "output" or direction == "inout":
                outs[pm.group(1)] = f.group(1) if f else ""
            elif direction == "input":
                ins.append(pm.group(1))
            c = _CAP.search(pbody)
            if direction == "input" and c:
                caps[pm.group(1)] = float(c.group(1))
            internal += _internal_powers(pm.group(1), pbody)
        area = _AREA.search(body)
        head = body[:pins[0].start()] if pins else body
        cells[name] = CellLogic(name, tuple(ins), outs, bool(_SEQ.search(head)),
                                float(area.group(1)) if area else 0.0, caps, tuple(internal))
    return cells


_CAP = re.compile(r'^\s*capacitance\s*:\s*([0-9.eE+-]+)\s*;', re.M)
_IPWR = re.compile(r'^\s*internal_power\s*\(\s*\)\s*\{', re.M)
_TABLE = re.compile(r'(rise_power|fall_power)\s*\(\s*"?[^")]*"?\s*\)\s*\{', re.M)
_RELATED = re.compile(r'^\s*related_pin\s*:\s*"([^"]*)"\s*;', re.M)
_WHEN = re.compile(r'^\s*when\s*:\s*"([^"]*)"\s*;', re.M)
_INDEX = re.compile(r'index_(\d)\s*\(\s*"([^"]*)"\s*\)')
_VALUES = re.compile(r'values\s*\((.*?)\)\s*;', re.S)


def _block(text: str, open_brace: int) -> str:
    """Text of the brace block whose '{' is at text[open_brace - 1]."""
    depth, k = 1, open_brace
    while depth and k < len(text):
        ch = text[k]
        depth += (ch == "{") - (ch == "}")
        k += 1
    return text[open_brace:k - 1]


def _nums(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in re.split(r"[,\s]+", text.strip()) if x)


def _table(body: str) -> PowerTable:
    idx = {m.group(1): _nums(m.group(2)) for m in _INDEX.finditer(body)}
    vm = _VALUES.search(body)
    rows = tuple(_nums(r) for r in re.findall(r'"([^"]*)"', vm.group(1))) if vm else ()
    slews, loads = idx.get("1", ()), idx.get("2", ())
    if loads and len(rows) == 1 and len(rows[0]) == len(slews) * len(loads):
        flat = rows[0]
        rows = tuple(flat[k * len(loads):(k + 1) * len(loads)] for k in range(len(slews)))
    if not loads and len(rows) == 1:
        rows = tuple((v,) for v in rows[0])
    return PowerTable(slews, loads, rows)


def _internal_powers(pin: str, pbody: str) -> list[InternalPower]:
    out: list[InternalPower] = []
    for m in _IPWR.finditer(pbody):
        blk = _block(pbody, m.end())
        tabs: dict[str, PowerTable] = {}
        for t in _TABLE.finditer(blk):
            tabs[t.group(1)] = _table(_block(blk, t.end()))
        head = _TABLE.sub("", blk)
        rel = _RELATED.search(head)
        when = _WHEN.search(head)
        out.append(InternalPower(pin, rel.group(1) if rel else "", when.group(1) if when else "",
                                 tabs.get("rise_power"), tabs.get("fall_power")))
    return out


# --- Boolean functions: Liberty syntax ! ' & * | + ^ ( ) and juxtaposition (AND) -----------

_TOK = re.compile(r"\s*(?:(\()|(\))|(!)|(')|([&*])|([|+])|(\^)|([A-Za-z_][A-Za-z0-9_\[\]]*)|(1|0))")

Expr = Callable[[dict[str, int]], int]


def compile_function(text: str) -> tuple[Expr, list[str]]:
    """A callable evaluating the function on a {pin: 0/1} dict, and the pins it reads."""
    toks: list[tuple[str, str]] = []
    pos = 0
    s = text.strip()
    while pos < len(s):
        m = _TOK.match(s, pos)
        if not m or m.end() == pos:
            raise LibertyError(f"cannot parse Liberty function {text!r} at {s[pos:]!r}")
        pos = m.end()
        kinds = ("(", ")", "!", "'", "&", "|", "^", "id", "const")
        for kind, g in zip(kinds, m.groups(), strict=True):
            if g is not None:
                toks.append((kind, g))
                break
    names: list[str] = []
    i = 0

    def peek() -> str | None:
        return toks[i][0] if i < len(toks) else None

    def primary() -> Expr:
        nonlocal i
        kind = peek()
        if kind == "!":
            i += 1
            inner = primary()
            e: Expr = lambda v, f=inner: 1 - f(v)  # noqa: E731
        elif kind == "(":
            i += 1
            e = orexpr()
            if peek() != ")":
                raise LibertyError(f"unbalanced parentheses in {text!r}")
            i += 1
        elif kind == "id":
            n = toks[i][1]
            i += 1
            if n not in names:
                names.append(n)
            e = lambda v, n=n: v[n]  # noqa: E731
        elif kind == "const":
            c = int(toks[i][1])
            i += 1
            e = lambda v, c=c: c  # noqa: E731
        else:
            raise LibertyError(f"unexpected token in Liberty function {text!r}")
        while peek() == "'":
            i += 1
            e = lambda v, f=e: 1 - f(v)  # noqa: E731
        return e

    def xorexpr() -> Expr:
        nonlocal i
        e = primary()
        while peek() == "^":
            i += 1
            r = primary()
            e = lambda v, a=e, b=r: a(v) ^ b(v)  # noqa: E731
        return e

    def andexpr() -> Expr:
        nonlocal i
        e = xorexpr()
        while peek() in ("&", "!", "(", "id", "const"):
            if peek() == "&":
                i += 1
            r = xorexpr()
            e = lambda v, a=e, b=r: a(v) & b(v)  # noqa: E731
        return e

    def orexpr() -> Expr:
        nonlocal i
        e = andexpr()
        while peek() == "|":
            i += 1
            r = andexpr()
            e = lambda v, a=e, b=r: a(v) | b(v)  # noqa: E731
        return e

    fn = orexpr()
    if i != len(toks):
        raise LibertyError(f"trailing tokens in Liberty function {text!r}")
    return fn, names
