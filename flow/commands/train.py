"""`eqchip train` (not implemented yet)."""

from __future__ import annotations

import click

from eqchip.errors import EqchipError


@click.command("train")
def command() -> None:
    """Not implemented yet."""
    raise EqchipError("eqchip train is not implemented yet")
