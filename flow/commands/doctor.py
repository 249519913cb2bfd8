"""`eqchip doctor` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("doctor")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip doctor is not implemented yet")
