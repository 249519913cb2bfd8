"""The Jinja2 environment for the RTL templates: strict (a missing value is an error, never an
empty string) and byte-stable (no trailing-newline loss, no dependence on the caller's cwd)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from eqchip.resources import templates_dir


def make_env(root: Path | None = None) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root or templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
