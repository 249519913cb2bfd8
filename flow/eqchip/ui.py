"""The CLI's output layer: every message a user sees goes through a `Console` from here."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from rich.console import Console as RichConsole
from rich.table import Table


class Console:
    """Thin wrapper over rich: info/ok/warn/error lines, tables and key-value summaries."""

    def __init__(self, quiet: bool = False, stream=None) -> None:
        self.quiet = quiet
        self._out = RichConsole(file=stream or sys.stdout, highlight=False, soft_wrap=True)
        self._err = RichConsole(file=sys.stderr, highlight=False, soft_wrap=True)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._out.print(text, markup=False)

    def ok(self, text: str) -> None:
        if not self.quiet:
            self._out.print(f"[green]ok[/green] {_escape(text)}")

    def warn(self, text: str) -> None:
        self._err.print(f"[yellow]warning:[/yellow] {_escape(text)}")

    def error(self, text: str) -> None:
        self._err.print(f"[red]error:[/red] {_escape(text)}")

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        if self.quiet:
            return
        t = Table(title=title)
        for c in columns:
            t.add_column(c)
        for r in rows:
            t.add_row(*(str(x) for x in r))
        self._out.print(t)

    def kv(self, title: str, items: Iterable[tuple[str, object]]) -> None:
        self.table(title, ["item", "value"], items)


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
