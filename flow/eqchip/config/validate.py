"""Turn pydantic validation errors into located messages: file:line: field.path: what, allowed."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from eqchip.config.yamlsrc import YamlSource, format_loc
from eqchip.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def validate_source(src: YamlSource, model: type[M], what: str, context: Any = None) -> M:
    if not isinstance(src.data, dict):
        raise ConfigError(f"{src.path}: a {what} must be a YAML mapping of fields",
                          hint="start the file with `name: ...` and the sections documented in "
                               "the README")
    try:
        return model.model_validate(src.data, context=context)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(src, exc, what)) from None


def format_validation_error(src: YamlSource, exc: ValidationError, what: str) -> str:
    lines = [f"{src.path}: invalid {what} ({exc.error_count()} problem"
             f"{'s' if exc.error_count() != 1 else ''}):"]
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        line = src.line_of(loc)
        where = f"{src.path}:{line}" if line else str(src.path)
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown field; remove it or check its spelling against the schema"
        elif kind == "missing":
            msg = "required field is missing; add it"
        got = err.get("input")
        shown = "" if kind in ("missing", "extra_forbidden") or isinstance(got, dict) else \
            f" (got {_short(got)})"
        lines.append(f"  {where}: {format_loc(loc)}: {msg}{shown}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 80) -> str:
    """repr of a bad value, cut to `limit` characters (a 1 MB string is not echoed)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
