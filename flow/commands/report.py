"""`eqchip report` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("report")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip report is not implemented yet")
