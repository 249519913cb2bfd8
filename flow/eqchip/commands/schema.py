"""`eqchip schema [--technology]`: print or write the JSON schema of design files (or of MRAM
technology files)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from eqchip.config import design_json_schema
from eqchip.fileio import write_text_atomic
from eqchip.ui import Console


@click.command("schema")
@click.option("-o", "--out", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of standard output.")
@click.option("--technology", is_flag=True,
              help="The schema of MRAM technology files (pdk_cfg/mram/*.yaml, or your own "
                   "named by path in mram.technology) instead.")
@click.pass_obj
def command(console: Console, output: Path | None, technology: bool) -> None:
    """Print the JSON schema of design YAML files, or with --technology of MRAM technology
    files (every field, its unit, range and default; for editor completion and checks)."""
    from eqchip.config.mram_tech import technology_json_schema

    schema = technology_json_schema() if technology else design_json_schema()
    text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if output:
        write_text_atomic(output, text)
        console.ok(f"wrote {output}")
    else:
        click.echo(text, nl=False)
