"""What SiliconCompiler's run may put on the terminal: its messages, not Python tracebacks.

SC logs every exception of a node with its backtrace (`utils.print_traceback`: the message,
"Backtrace:", then the stack, each line a record) and its node processes print their own
uncaught exceptions to stderr (multiprocessing), as does Python's logging when a log file
cannot be written. A full disk gave 25 such tracebacks (730 lines) before eqchip's one-line
error; a Ctrl-C gave one. Here:

- `TracebackFilter` on SC's terminal handler keeps the message and drops the "Backtrace:"
  block (job.log and the node logs keep everything);
- `stderr_to(log)` sends Python's stderr of the run (the main process's logging errors and
  every node process forked during the run) to a log file, created on the first write; when
  even that cannot be written (a full disk) the text is dropped. The tools' own output goes
  to the node logs, as before.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: where the run's Python stderr goes (in the SC job folder)
STDERR_LOG = "sc_stderr.log"


#: ANSI colour codes (SC colours its terminal lines)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: the "| ERROR    | job0 | synthesis | 0 | " a node process puts before its records' text
#: (they reach the terminal handler formatted, through SC's log queue)
_NODE_PREFIX = re.compile(r"^\|\s*[A-Z]+\s*\|([^|]*\|[^|]*\|[^|]*)\|\s?")


class TracebackFilter(logging.Filter):
    """Drops SC's "Backtrace:" record and the stack lines after it (indented records), for the
    main process's records and, by their prefix, for each node's."""

    def __init__(self) -> None:
        super().__init__()
        self._in_backtrace: set[str] = set()      # "" (main process) or a node's prefix

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = _ANSI.sub("", record.getMessage())
        except Exception:  # noqa: BLE001 - a malformed record is not ours to judge
            return True
        m = _NODE_PREFIX.match(text)
        key, text = (m.group(1), text[m.end():]) if m else ("", text)
        if text.strip() == "Backtrace:":
            self._in_backtrace.add(key)
            return False
        if key in self._in_backtrace and text.startswith("  "):
            return False
        self._in_backtrace.discard(key)
        return True


def quiet_tracebacks(logger: logging.Logger) -> None:
    """Put a TracebackFilter on every terminal handler of SC's `logger` (once)."""
    for h in logger.handlers:
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler) \
                and not any(isinstance(f, TracebackFilter) for f in h.filters):
            h.addFilter(TracebackFilter())


class _LogStream(io.TextIOBase):
    """A text stream into `path` (opened on the first write); OS errors drop the text."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = Path(path)
        self._fh: io.TextIOBase | None = None
        self._broken = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._broken or not text:
            return len(text)
        try:
            if self._fh is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self._path, "a", encoding="utf-8", errors="replace")
            self._fh.write(text)
            self._fh.flush()
        except OSError:
            self._broken = True
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None
        super().close()


@contextmanager
def stderr_to(log: Path) -> Iterator[None]:
    """Python's `sys.stderr` is `log` for the block (see the module docstring)."""
    stream = _LogStream(log)
    previous = sys.stderr
    sys.stderr = stream
    try:
        yield
    finally:
        if sys.stderr is stream:       # only ours: another block may have replaced it since
            sys.stderr = previous
        stream.close()
