"""`eqchip sim` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("sim")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip sim is not implemented yet")
