"""Sweep points: the grid (or a random sample of it) of a `SweepSpec`, each a complete design
with a content-derived id, validated like `eqchip` validates a design file."""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import math
import operator
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eqchip.config.consistency import design_problems
from eqchip.config.design import Design
from eqchip.config.mram_tech import load_mram_tech
from eqchip.config.yamlsrc import format_loc, load_yaml
from eqchip.errors import ConfigError
from eqchip.sweep.spec import MAX_POINTS, SweepSpec


@dataclass(frozen=True)
class Point:
    id: str                           # stable: hash of the design contents (name excluded)
    params: dict[str, Any]            # axis path -> value (linked fields included)
    design: dict[str, Any]            # the complete design document
    problems: tuple[str, ...] = ()    # empty: valid

    @property
    def valid(self) -> bool:
        return not self.problems

    def yaml_text(self) -> str:
        head = "# a sweep point: " + ", ".join(f"{k}={v}" for k, v in self.params.items())
        return head + "\n" + yaml.safe_dump(self.design, sort_keys=False)


def get_path(doc: dict[str, Any], path: str) -> Any:
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(path)
        cur = cur[part]
    return cur


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = doc
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_FUNCS = {"min": min, "max": max, "int": int, "float": float, "round": round, "abs": abs}

#: bounds of a link expression: its length (characters), the nesting depth of its syntax tree,
#: and the size of every value computed on the way (bits of an integer; a float must be finite)
MAX_LINK_CHARS = 500
MAX_LINK_DEPTH = 32
MAX_VALUE_BITS = 256
LINK_RULE = (f"at most {MAX_LINK_CHARS} characters, {MAX_LINK_DEPTH} levels of nesting, "
             f"values below 2**{MAX_VALUE_BITS}")


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def parse_link(expr: str) -> ast.Expression:
    """The syntax tree of a link expression within the bounds (LINK_RULE); ValueError says
    which bound it breaks. Checked before anything is evaluated, so a hostile expression costs
    no more than its bounded length."""
    if not isinstance(expr, str):
        raise ValueError("a link must be an expression written as text")
    if len(expr) > MAX_LINK_CHARS:
        raise ValueError(f"the expression has {len(expr)} characters; a link has at most "
                         f"{MAX_LINK_CHARS}")
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValueError(f"not an expression: {_short(expr)}") from None
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:                                   # no recursion: depth is what is checked
        node, depth = stack.pop()
        if depth > MAX_LINK_DEPTH:
            raise ValueError(f"the expression nests deeper than {MAX_LINK_DEPTH} levels "
                             "(operators, parentheses, calls)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def _short(expr: str, limit: int = 60) -> str:
    return repr(expr) if len(expr) <= limit else f"{expr[:limit]!r}... ({len(expr)} characters)"


def _bounded(value: Any) -> Any:
    """`value` when it is within the bounds (a number of at most MAX_VALUE_BITS bits, a finite
    float); other values (a list field such as network.layers, a bool) pass as they are."""
    if isinstance(value, complex):
        raise ValueError("a complex number (a negative number to a fractional power)")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"the value is {value} (a link gives a finite number)")
    if isinstance(value, int) and value.bit_length() > MAX_VALUE_BITS:
        raise ValueError(f"a value of {value.bit_length()} bits; values of a link stay below "
                         f"2**{MAX_VALUE_BITS}")
    return value


def _number(value: Any) -> int | float:
    """An operand of + - * / // % **: a number (a list times a number would repeat it)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number (operators take numbers)")
    return value


def _power(base: Any, exp: Any) -> Any:
    """base ** exp, refused before it is computed when its result would exceed the bounds
    (9 ** 9 ** 9 would take hours)."""
    if isinstance(base, int | float) and isinstance(exp, int | float) and abs(base) > 1 \
            and exp > 0 and exp * math.log2(abs(base)) > MAX_VALUE_BITS + 1:
        raise ValueError(f"{base} ** {exp} is too large (values of a link stay below "
                         f"2**{MAX_VALUE_BITS})")
    return operator.pow(base, exp)


def evaluate(expr: str, doc: dict[str, Any]) -> Any:
    """Value of a link expression: numbers, field paths of `doc` (fixed_point.weight_bits),
    + - * / // % **, parentheses, min/max/int/float/round/abs, within LINK_RULE's bounds.
    Raises ValueError."""
    tree = parse_link(expr)

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return _bounded(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = _number(ev(node.operand))
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = _number(ev(node.left)), _number(ev(node.right))
            if isinstance(node.op, ast.Pow):
                return _bounded(_power(left, right))
            return _bounded(_BINOPS[type(node.op)](left, right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _FUNCS and not node.keywords:
            return _bounded(_FUNCS[node.func.id](*(ev(a) for a in node.args)))
        path = _dotted(node)
        if path is not None:
            try:
                return _bounded(get_path(doc, path))
            except KeyError:
                raise ValueError(f"{path} is not a field of the design") from None
        raise ValueError(f"{ast.unparse(node)!r} is not allowed in a link expression (use "
                         "numbers, field paths, + - * / // % ** and min/max/int/round/abs)")

    value = ev(tree)
    if isinstance(value, float) and value.is_integer() and "/" not in expr:
        value = int(value)
    return value


def point_id(design: dict[str, Any]) -> str:
    body = {k: v for k, v in design.items() if k != "name"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:10]


def grid(spec: SweepSpec) -> list[dict[str, Any]]:
    """Axis assignments: every combination, or `sample.points` of them drawn with its seed.
    A sample draws indices of the grid and decodes only those (a 4000 x 4000 x 10000 grid is
    never built); ValueError when the grid has more than MAX_POINTS points and no sample."""
    axes = spec.axis_values()
    sizes = [len(v) for v in axes.values()]
    total = math.prod(sizes)
    if spec.sample is not None and spec.sample.points < total:
        idx = sorted(random.Random(spec.sample.seed).sample(range(total), spec.sample.points))
    elif total > MAX_POINTS:
        raise ValueError(f"the grid has {total} points; a sweep runs at most {MAX_POINTS}")
    else:
        idx = range(total)
    combos = []
    for i in idx:
        combo: dict[str, Any] = {}
        for (path, values), size in zip(reversed(axes.items()), reversed(sizes), strict=True):
            i, k = divmod(i, size)           # the last axis varies fastest
            combo[path] = values[k]
        combos.append(dict(reversed(combo.items())))
    return combos


def design_check(design: dict[str, Any], pdk_cfg: Path | None = None) -> list[str]:
    """The problems `eqchip` would report for this design document (empty: valid)."""
    from pydantic import ValidationError

    try:
        d = Design.model_validate(design)
    except ValidationError as exc:
        return [f"{format_loc(tuple(e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors(include_url=False)]
    try:
        tech = load_mram_tech(d.mram.technology, pdk_cfg)
    except ConfigError as exc:
        return [f"mram.technology: {exc.message}"]
    return [f"{format_loc(loc)}: {msg}" for loc, msg in design_problems(d, tech)]


def expand(spec: SweepSpec, base_path: Path) -> list[Point]:
    """Every point of the sweep, in grid order, each validated (invalid ones carry problems)."""
    base = load_yaml(base_path, what="design YAML file").data
    if not isinstance(base, dict):
        raise ConfigError(f"{base_path}: a design must be a YAML mapping of fields")
    for path, value in spec.set.items():
        set_path(base, path, value)
    points: list[Point] = []
    seen: set[str] = set()
    for combo in grid(spec):
        doc = copy.deepcopy(base)
        for path, value in combo.items():
            set_path(doc, path, value)
        params = dict(combo)
        problems: list[str] = []
        for path, expr in spec.link.items():
            try:
                value = evaluate(expr, doc)
            except (ValueError, ArithmeticError, TypeError) as exc:
                problems.append(f"link {path}: {exc}")
                continue
            set_path(doc, path, value)
            params[path] = value
        pid = point_id(doc)
        doc["name"] = f"{str(base.get('name', 'point'))[:36]}_{pid[:8]}"
        if pid in seen:
            continue
        seen.add(pid)
        problems += design_check(doc)
        points.append(Point(pid, params, doc, tuple(problems)))
    return points
