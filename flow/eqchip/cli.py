"""The `eqchip` command line: parse arguments, call one stage, show the result.

Each command lives in `eqchip/commands/<name>.py` and exposes a click command named `command`.
Errors derived from `EqchipError` become one clear message and their exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from eqchip import __version__
from eqchip.errors import EqchipError
from eqchip.ui import Console

COMMANDS = ("render", "macros", "train", "sim", "build", "report", "regress", "history",
            "handoff", "doctor", "schema", "sweep")


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (keeps `--help` fast)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"eqchip.commands.{name}").command


@click.group(cls=_LazyGroup)
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
        console.error(str(exc))
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
