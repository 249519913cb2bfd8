"""`eqchip macros` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("macros")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip macros is not implemented yet")
