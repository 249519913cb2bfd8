"""The command line's conventions (issue 26): `-h` everywhere, whole command summaries, a
suggestion for a mistyped command, examples in every command's help, `-o/--out` for outputs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from eqchip.cli import COMMANDS, EXAMPLES, cli


def _eqchip(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `eqchip` in this process (click's runner: help output at 80 columns)."""
    result = CliRunner().invoke(cli, list(args), terminal_width=80)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.output, "")


def test_top_level_help_gives_whole_summaries_and_examples() -> None:
    for flag in ("-h", "--help"):
        proc = _eqchip(flag)
        assert proc.returncode == 0, proc.stderr
        commands = proc.stdout.split("Commands:")[1].split("Examples:")[0]
        assert "..." not in commands, commands
        assert "Examples:" in proc.stdout
        for name in COMMANDS:
            assert f"\n  {name} " in proc.stdout, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_h_and_shows_examples(name: str) -> None:
    proc = _eqchip(name, "-h")
    assert proc.returncode == 0, proc.stderr
    assert "Examples:" in proc.stdout
    for example in EXAMPLES[name]:
        assert example in proc.stdout
        # every option an example uses is one the command has
        for word in example.split():
            if word.startswith("-"):
                assert word in proc.stdout.split("Examples:")[0], (name, word)


def test_mistyped_command_gets_a_suggestion() -> None:
    proc = subprocess.run([sys.executable, "-m", "eqchip", "buidl", "small"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "eqchip build" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["render", "macros", "train", "sim", "report", "regress",
                                  "history", "handoff", "schema", "sweep"])
def test_outputs_are_o_and_out(name: str) -> None:
    usage = _eqchip(name, "-h").stdout.split("Examples:")[0]
    assert "-o, --out" in usage, name
