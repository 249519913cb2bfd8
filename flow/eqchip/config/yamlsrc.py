"""Safe YAML loading that remembers where each value came from (file, line) for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eqchip.errors import ConfigError

Loc = tuple[str | int, ...]

#: eqchip's YAML files are a few kB; anything this large is a mistake (or an attack), refused
#: before parsing
MAX_BYTES = 1 << 20
#: nesting depth of mappings and lists (designs use 3); deeper is refused, not a RecursionError
MAX_DEPTH = 32
#: floats as YAML 1.2 writes them: `1.0e30`, `1e-3` (YAML 1.1, PyYAML's default, reads a float
#: exponent only with a sign, `1.0e+30`, and an exponent without a dot not at all)
_FLOAT_12 = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


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


class _StrictLoader(yaml.SafeLoader):
    """Safe loading, and also no aliases (`*name`: they hide values and can nest without end)
    and no duplicate keys (YAML would silently keep the last one)."""

    _depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in eqchip files; write the value "
                            "out", event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep; eqchip files are a "
                            "few levels of fields", self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:
                continue                      # unhashable key: SafeLoader reports it
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {first})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12,
                                    list("-+0123456789."))


def load_yaml(path: Path, what: str = "YAML file") -> YamlSource:
    path = Path(path)
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise ConfigError(f"{path}: {problem}", hint=f"give the path of a {what}")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{path}: {size / 1e6:.1f} MB is too large for a {what} (at most "
                              f"{MAX_BYTES // 1024} kB)",
                              hint="check that this is the right file; shorten long free-text "
                                   "fields such as `description`")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}",
                          hint=f"check the {what}'s permissions") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})",
                          hint=f"save the {what} as UTF-8") from None
    return parse_yaml(text, path, what)


def parse_yaml(text: str, path: Path, what: str = "YAML file") -> YamlSource:
    """`text` (read from `path`, named in errors) parsed as `load_yaml` parses a file."""
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML: {problem}",
                          hint="fix the YAML at that line (indentation, quoting, duplicate "
                               "keys)") from None
    except RecursionError:            # a safety net; MAX_DEPTH stops nesting well before
        raise ConfigError(f"{path}: not valid YAML: nested too deeply",
                          hint=f"eqchip files nest at most {MAX_DEPTH} levels") from None
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
