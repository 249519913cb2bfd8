"""`eqchip schema`: print or write the JSON schema of design files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from eqchip.config import design_json_schema
from eqchip.fileio import write_text_atomic
from eqchip.ui import Console


@click.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of standard output.")
@click.pass_obj
def command(console: Console, output: Path | None) -> None:
    """Print the JSON schema of design YAML files (for editor completion and checks)."""
    text = json.dumps(design_json_schema(), indent=2, sort_keys=True) + "\n"
    if output:
        write_text_atomic(output, text)
        console.ok(f"wrote {output}")
    else:
        click.echo(text, nl=False)
