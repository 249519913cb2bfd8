"""The `eqchip` command line: parse arguments, call one stage, show the result.

Each command lives in `eqchip/commands/<name>.py` and exposes a click command named `command`.
Errors derived from `EqchipError` become one clear message and their exit code, never a traceback.
"""

from __future__ import annotations

import difflib
import importlib
import sys

import click

from eqchip import __version__
from eqchip.errors import EqchipError
from eqchip.ui import Console

COMMANDS = ("render", "macros", "train", "sim", "build", "report", "regress", "history",
            "handoff", "doctor", "schema", "sweep")


#: what every command's `--help` ends with: commands that work as written, from the checkout
EXAMPLES: dict[str, tuple[str, ...]] = {
    "render": ("eqchip render small -o out/small --lint",),
    "macros": ("eqchip macros small -o out/small/macros",),
    "train": ("eqchip train digits -o build/digits/train",
              "eqchip train my_design.yaml --epochs 5"),
    "sim": ("eqchip sim small", "eqchip sim digits --simulator icarus"),
    "build": ("eqchip build designs/small.yaml", "eqchip build digits --to synthesis.sta"),
    "report": ("eqchip report build/small", "eqchip report build/small -o out/small-report"),
    "regress": ("eqchip regress small digits", "eqchip regress --update-baseline small"),
    "history": ("eqchip history small --last 20",),
    "handoff": ("eqchip handoff small -o out/small-handoff",
                "eqchip handoff small --verify -o out/small-handoff"),
    "doctor": ("eqchip doctor",),
    "schema": ("eqchip schema -o design.schema.json", "eqchip schema --technology"),
    "sweep": ("eqchip sweep designs/sweeps/tiny_clock.yaml -o out/tiny_clock -j 2",),
}
#: help options of every command
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (keeps `--help` fast); lists
    each command's whole first sentence; suggests the nearest command for a typo."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        cmd = importlib.import_module(f"eqchip.commands.{name}").command
        if name in EXAMPLES and not cmd.epilog:
            cmd.epilog = "\b\nExamples:\n" + "\n".join(f"  {e}" for e in EXAMPLES[name])
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            near = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.5)
            hint = f" Did you mean `eqchip {near[0]}`?" if near else ""
            raise click.UsageError(f"no command {name!r}.{hint} `eqchip -h` lists them.", ctx)
        return super().resolve_command(ctx, args)


@click.group(cls=_LazyGroup, context_settings=CONTEXT, epilog=(
    "\b\nExamples:\n  eqchip doctor\n  eqchip build designs/small.yaml\n"
    "  eqchip report build/small\n`eqchip COMMAND -h` gives a command's options and examples."))
@click.version_option(__version__, prog_name="eqchip")
@click.option("-q", "--quiet", is_flag=True, help="Only print warnings and errors.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool) -> None:
    """eqchip: tapeout flow for an MRAM-synapse Equilibrium Propagation accelerator."""
    ctx.obj = Console(quiet=quiet)


def main(argv: list[str] | None = None) -> int:
    console = Console()
    try:
        cli.main(args=argv, prog_name="eqchip", standalone_mode=False)
    except EqchipError as exc:
        (console.notice if exc.notice else console.error)(str(exc))
        return exc.exit_code
    except OSError as exc:          # last resort: an I/O problem no stage turned into an error
        console.error(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
        return 6
    except click.exceptions.Abort:
        console.error("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
