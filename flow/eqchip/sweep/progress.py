"""The sweep's progress bar (rich, on stderr): points done / running / failed and the time
left, estimated from the points finished so far."""

from __future__ import annotations

import sys
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
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=RichConsole(file=sys.stderr), disable=not enabled, transient=False)
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
        self._progress.update(self._task, completed=self.done + self.failed,
                              description=self._text())

    def __enter__(self) -> SweepProgress:
        self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()
