"""`eqchip regress` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("regress")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip regress is not implemented yet")
