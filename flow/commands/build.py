"""`eqchip build` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("build")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip build is not implemented yet")
