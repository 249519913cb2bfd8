"""`eqchip render` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("render")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip render is not implemented yet")
