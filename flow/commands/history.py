"""`eqchip history` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("history")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip history is not implemented yet")
