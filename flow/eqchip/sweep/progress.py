"""The sweep's progress bar (rich, on stderr): points done / running / failed and the time
left, estimated from the points finished so far. When stderr is no terminal (a log), one
plain line per finished point instead."""

from __future__ import annotations

import sys
import time
from types import TracebackType

from rich.console import Console as RichConsole
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from eqchip.sweep.record import PointResult


class SweepProgress:
    """A listener for `runner.run_points`; silent when `enabled` is False."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.done = self.running = self.failed = 0
        self.total = max(total, 1)
        self._t0 = time.monotonic()
        console = RichConsole(file=sys.stderr)
        # a log gets a line per finished point (`_log_line`), not the bar's last frame only
        self._log = console if enabled and not console.is_terminal else None
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=console, disable=not enabled or self._log is not None, transient=False)
        self._task = self._progress.add_task(self._text(), total=max(total, 1))

    def _text(self) -> str:
        return f"points: {self.done} done, {self.running} running, {self.failed} failed"

    def __call__(self, event: str, point_id: str, rec: PointResult | None) -> None:
        if event == "start":
            self.running += 1
        elif event == "done":
            self.running -= 1
            if rec is not None and rec.status == "ok":
                self.done += 1
            else:
                self.failed += 1
            if self._log is not None:
                self._log.print(self._log_line(point_id, rec), markup=False, highlight=False,
                                soft_wrap=True)
        self._progress.update(self._task, completed=self.done + self.failed,
                              description=self._text())

    def _log_line(self, point_id: str, rec: PointResult | None) -> str:
        finished = self.done + self.failed
        elapsed = time.monotonic() - self._t0
        left = elapsed * (self.total - finished) / finished if finished else 0.0
        status = rec.status if rec is not None else "failed"
        return (f"point {point_id}: {status} ({finished} of {self.total} finished, "
                f"{self.failed} failed, {self.running} running; {elapsed:.0f} s elapsed, "
                f"about {left:.0f} s left)")

    def __enter__(self) -> SweepProgress:
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()
