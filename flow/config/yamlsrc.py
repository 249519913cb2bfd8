"""Safe YAML loading that remembers where each value came from (file, line) for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eqchip.errors import ConfigError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlSource:
    """A parsed YAML document plus a map from field path to 1-based line number."""

    path: Path
    data: Any
    lines: dict[Loc, int]

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest known prefix of `loc` (a missing key reports its parent)."""
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return None


def load_yaml(path: Path) -> YamlSource:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file", hint="give the path of a design YAML file")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML: {problem}",
                          hint="check indentation and quoting at that line") from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _index(node, (), lines)
    return YamlSource(path=path, data=data, lines=lines)


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            lines[loc + (k,)] = key.start_mark.line + 1
            _index(value, loc + (k,), lines)
            lines[loc + (k,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, loc + (i,), lines)


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"
