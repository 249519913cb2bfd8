"""Append-only run history in SQLite (stdlib sqlite3): every regression run, every metric.

Tables: `runs` (one row per design per `eqchip regress` invocation: time, session, git commit,
design, pass/fail, mode, tool versions as JSON) and `metrics` (run id, name, value). Triggers reject
UPDATE and DELETE, so the file only ever grows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import EqchipError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL,
    time_utc TEXT NOT NULL,
    git_commit TEXT NOT NULL,
    design TEXT NOT NULL,
    passed INTEGER NOT NULL,
    mode TEXT NOT NULL,
    versions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE INDEX IF NOT EXISTS runs_design ON runs(design, id);
CREATE TRIGGER IF NOT EXISTS runs_append_only_u BEFORE UPDATE ON runs
    BEGIN SELECT RAISE(ABORT, 'eqchip history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS runs_append_only_d BEFORE DELETE ON runs
    BEGIN SELECT RAISE(ABORT, 'eqchip history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS metrics_append_only_u BEFORE UPDATE ON metrics
    BEGIN SELECT RAISE(ABORT, 'eqchip history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS metrics_append_only_d BEFORE DELETE ON metrics
    BEGIN SELECT RAISE(ABORT, 'eqchip history is append-only'); END;
"""


@dataclass(frozen=True)
class RunRecord:
    id: int
    session: str
    time_utc: str
    git_commit: str
    design: str
    passed: bool                # the comparison with the baseline of that time passed
    mode: str                   # "compare" or "update-baseline"
    versions: dict[str, str]
    metrics: dict[str, float]


#: seconds a writer waits for another process's lock on the history before giving up (the
#: run's results are written anyway; only its history row is missing); the check before the
#: builds waits LOCK_CHECK_S and only warns
LOCK_WAIT_S = 30.0
LOCK_CHECK_S = 2.0


class HistoryLocked(EqchipError):
    """Another process holds the history database's lock (the file is not damaged)."""


#: the command-line option that names the history file: `eqchip history --db`, and
#: `eqchip regress --history` (which writes it)
READ_OPTION = "--db"
WRITE_OPTION = "--history"


@contextmanager
def _connect(path: Path, create: bool, option: str = READ_OPTION,
             wait_s: float | None = None) -> Iterator[sqlite3.Connection]:
    """Writers (`create=True`) create the file and schema; readers open it read-only.
    `option` is the command-line option named in the hints. A lock another process holds
    longer than `wait_s` (default LOCK_WAIT_S) is HistoryLocked."""
    path = Path(path)
    timeout = LOCK_WAIT_S if wait_s is None else wait_s
    if not create and not path.is_file():
        raise EqchipError(f"{path}: no regression history yet",
                          hint=f"run `eqchip regress` first, or give {option} with the history "
                               "file")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=timeout)
        else:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                   timeout=timeout)
        with closing(conn):
            if create:
                conn.executescript(SCHEMA)
            elif conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'runs'").fetchone() is None:
                raise EqchipError(f"{path}: not an eqchip history database (no `runs` table)",
                                  hint=f"point {option} at the history file written by "
                                       "`eqchip regress`, or run `eqchip regress` first")
            yield conn
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise _unusable(path, exc, option, create) from None
        raise HistoryLocked(f"{path}: the history database is locked by another process "
                            f"(waited {timeout:g} s); the file is not damaged",
                            hint="let the other `eqchip regress` or reader finish, then rerun "
                                 "to record in the history") from None
    except sqlite3.DatabaseError as exc:
        raise _unusable(path, exc, option, create) from None


def _unusable(path: Path, exc: sqlite3.DatabaseError, option: str, create: bool
              ) -> EqchipError:
    return EqchipError(f"{path}: not a usable eqchip history database: {exc}",
                       hint=f"point {option} at the history file written by `eqchip regress`"
                            + (", or move the damaged file away to start a new history"
                               if create else ""))


def check_history(path: Path) -> str | None:
    """Open (and create) the history `eqchip regress --history` will append to, so that a
    damaged file is an error before any build runs, not after. A lock another process holds
    is no damage: returns the warning (None: the file is free)."""
    try:
        with _connect(path, create=True, option=WRITE_OPTION, wait_s=LOCK_CHECK_S):
            pass
    except HistoryLocked as exc:
        return f"{exc.message}; the run goes on and records itself if the lock is gone by then"
    return None


def append_run(path: Path, *, session: str, time_utc: str, git_commit: str, design: str,
               passed: bool, versions: dict[str, str], metrics: dict[str, float],
               mode: str = "compare") -> int:
    """Record one design's run in one transaction; returns its run id."""
    with _connect(path, create=True, option=WRITE_OPTION) as conn, conn:
        cur = conn.execute(
            "INSERT INTO runs (session, time_utc, git_commit, design, passed, mode, versions) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (session, time_utc, git_commit, design, int(passed), mode,
             json.dumps(versions, sort_keys=True)))
        run_id = int(cur.lastrowid)
        conn.executemany("INSERT INTO metrics (run_id, name, value) VALUES (?, ?, ?)",
                         [(run_id, k, float(v)) for k, v in sorted(metrics.items())])
    return run_id


def read_runs(path: Path, designs: list[str] | None = None, last: int | None = None,
              warn: Callable[[str], None] | None = None) -> list[RunRecord]:
    """Runs in recording order (oldest first), optionally only some designs / the last N each.
    A malformed row (written by another tool, or damaged) is skipped and reported to `warn`."""
    say = warn or (lambda _m: None)
    with _connect(path, create=False) as conn:
        rows = conn.execute("SELECT id, session, time_utc, git_commit, design, passed, mode, "
                            "versions FROM runs ORDER BY id").fetchall()
        values: dict[int, dict[str, float]] = {}
        bad_metrics: dict[object, int] = {}
        for run_id, name, value in conn.execute("SELECT run_id, name, value FROM metrics"):
            if isinstance(name, str) and isinstance(value, int | float) \
                    and not isinstance(value, bool):
                values.setdefault(run_id, {})[name] = float(value)
            else:
                bad_metrics[run_id] = bad_metrics.get(run_id, 0) + 1
    runs: list[RunRecord] = []
    for r in rows:
        if designs is not None and r[4] not in designs:
            continue
        record, problem = _record(r, values)
        if record is None:
            say(f"{path}: run {r[0]!r} skipped: {problem}")
            continue
        if bad_metrics.get(record.id):
            say(f"{path}: run {record.id}: {bad_metrics[record.id]} malformed metric row(s) "
                "skipped (name not text or value not a number)")
        runs.append(record)
    if last is not None:
        kept: list[RunRecord] = []
        for design in dict.fromkeys(r.design for r in runs):
            kept += [r for r in runs if r.design == design][-last:]
        runs = sorted(kept, key=lambda r: r.id)
    return runs


def _record(r: tuple, values: dict[int, dict[str, float]]) -> tuple[RunRecord | None, str]:
    """A `runs` row as a RunRecord, or (None, what is wrong with it)."""
    run_id, session, time_utc, commit, design, passed, mode, versions = r
    texts = {"session": session, "time_utc": time_utc, "git_commit": commit, "design": design,
             "mode": mode}
    wrong = [k for k, v in texts.items() if not isinstance(v, str)]
    if wrong:
        return None, f"{', '.join(wrong)} not text"
    if passed not in (0, 1):
        return None, f"passed is {passed!r}, not 0 or 1"
    try:
        vers = json.loads(versions) if isinstance(versions, str) else None
    except ValueError:
        vers = None
    if not isinstance(vers, dict) or not all(isinstance(v, str) for v in vers.values()):
        return None, "versions is not a JSON object of strings"
    return RunRecord(id=run_id, session=session, time_utc=time_utc, git_commit=commit,
                     design=design, passed=bool(passed), mode=mode, versions=vers,
                     metrics=dict(sorted(values.get(run_id, {}).items()))), ""
