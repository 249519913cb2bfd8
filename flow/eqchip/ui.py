"""The CLI's output layer: every message a user sees goes through a `Console` from here."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Sequence

from rich.console import Console as RichConsole
from rich.table import Table

#: width of output that is no terminal (a log, a pipe) when $COLUMNS does not set one: wide
#: enough that tables keep whole words instead of columns cut to three letters at 80
LOG_WIDTH = 160
#: seconds between the plain progress lines written when the output is no terminal
LOG_PROGRESS_S = 60.0


class Console:
    """Thin wrapper over rich: info/ok/warn/error lines, tables and key-value summaries."""

    def __init__(self, quiet: bool = False, stream=None) -> None:
        self.quiet = quiet
        self._out = RichConsole(file=stream or sys.stdout, highlight=False, soft_wrap=True)
        if not self._out.is_terminal and not os.environ.get("COLUMNS"):
            self._out = RichConsole(file=stream or sys.stdout, highlight=False, soft_wrap=True,
                                    width=LOG_WIDTH)
        self._err = RichConsole(file=sys.stderr, highlight=False, soft_wrap=True)

    @property
    def is_terminal(self) -> bool:
        return self._out.is_terminal

    def status_line(self) -> StatusLine:
        """A line saying what runs (`StatusLine.update(text, key)`): rewritten in place in a
        terminal; in a log printed when `key` changes and once a minute."""
        return StatusLine(self)

    def progress(self, what: str, unit: str) -> Progress:
        """A progress display of `what` counted in `unit` (`Progress.update(done, total)`):
        a bar with elapsed time and ETA in a terminal, else one plain line a minute."""
        return Progress(self, what, unit)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._out.print(text, markup=False)

    def ok(self, text: str) -> None:
        if not self.quiet:
            self._out.print(f"[green]ok[/green] {_escape(text)}")

    def warn(self, text: str) -> None:
        self._err.print(f"[yellow]warning:[/yellow] {_escape(text)}")

    def notice(self, text: str) -> None:
        """An expected outcome the user should know of (not an error: e.g. a flow a missing
        tool stopped early, exit code 5)."""
        self._err.print(f"[cyan]notice:[/cyan] {_escape(text)}")

    def error(self, text: str) -> None:
        self._err.print(f"[red]error:[/red] {_escape(text)}")

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        if self.quiet:
            return
        t = Table(title=title)
        for c in columns:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*(str(x) for x in r))
        self._out.print(t)

    def kv(self, title: str, items: Iterable[tuple[str, object]]) -> None:
        self.table(title, ["item", "value"], items)


class Progress:
    """See `Console.progress`; a context manager (the bar ends with it)."""

    def __init__(self, console: Console, what: str, unit: str) -> None:
        self.console, self.what, self.unit = console, what, unit
        self.t0 = time.monotonic()
        self.last_line = self.t0
        self._first = True
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal and not self.console.quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), TextColumn(self.unit),
                                     TimeElapsedColumn(), TextColumn("ETA"),
                                     TimeRemainingColumn(), console=self.console._out,
                                     transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.what, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)
            return
        now = time.monotonic()
        if self._first:                 # the clock of the ETA starts with the first update
            self._first = False
            self.t0 = self.last_line = now
        if now - self.last_line >= LOG_PROGRESS_S and not self.console.quiet:
            self.last_line = now
            self.console.info(self.line(done, total, now - self.t0))

    def line(self, done: int, total: int, elapsed: float) -> str:
        """The plain progress line: done of total, elapsed, ETA at the rate so far."""
        pct = 100.0 * done / total if total else 0.0
        eta = elapsed * (total - done) / done if done else None
        return (f"{self.what}: {done:,} of {total:,} {self.unit} ({pct:.0f} %), "
                f"{_clock(elapsed)} elapsed, ETA "
                + (_clock(eta) if eta is not None else "unknown"))


class StatusLine:
    """See `Console.status_line`; a context manager."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status = None
        self._key: str | None = None
        self._last = 0.0

    def __enter__(self) -> StatusLine:
        if self.console.is_terminal and not self.console.quiet:
            self._status = self.console._out.status("")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def update(self, text: str, key: str) -> None:
        if self._status is not None:
            self._status.update(text)
            return
        now = time.monotonic()
        if key != self._key or now - self._last >= LOG_PROGRESS_S:
            self._key, self._last = key, now
            self.console.info(text)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
