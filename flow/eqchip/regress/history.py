"""Append-only run history in SQLite (stdlib sqlite3): every regression run, every metric.

Tables: `runs` (one row per design per `eqchip regress` invocation: time, session, git commit,
design, pass/fail, mode, tool versions as JSON) and `metrics` (run id, name, value). Triggers reject
UPDATE and DELETE, so the file only ever grows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
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


@contextmanager
def _connect(path: Path, create: bool) -> Iterator[sqlite3.Connection]:
    """Writers (`create=True`) create the file and schema; readers open it read-only."""
    path = Path(path)
    if not create and not path.is_file():
        raise EqchipError(f"{path}: no regression history yet",
                          hint="run `eqchip regress` first, or give --db with the history file")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30)
        else:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        with closing(conn):
            if create:
                conn.executescript(SCHEMA)
            elif conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'runs'").fetchone() is None:
                raise EqchipError(f"{path}: not an eqchip history database (no `runs` table)",
                                  hint="point --db at the history file written by "
                                       "`eqchip regress`, or run `eqchip regress` first")
            yield conn
    except sqlite3.DatabaseError as exc:
        raise EqchipError(f"{path}: not a usable eqchip history database: {exc}",
                          hint="point --db at the history file written by `eqchip regress`") \
            from None


def append_run(path: Path, *, session: str, time_utc: str, git_commit: str, design: str,
               passed: bool, versions: dict[str, str], metrics: dict[str, float],
               mode: str = "compare") -> int:
    """Record one design's run in one transaction; returns its run id."""
    with _connect(path, create=True) as conn, conn:
        cur = conn.execute(
            "INSERT INTO runs (session, time_utc, git_commit, design, passed, mode, versions) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (session, time_utc, git_commit, design, int(passed), mode,
             json.dumps(versions, sort_keys=True)))
        run_id = int(cur.lastrowid)
        conn.executemany("INSERT INTO metrics (run_id, name, value) VALUES (?, ?, ?)",
                         [(run_id, k, float(v)) for k, v in sorted(metrics.items())])
    return run_id


def read_runs(path: Path, designs: list[str] | None = None,
              last: int | None = None) -> list[RunRecord]:
    """Runs in recording order (oldest first), optionally only some designs / the last N each."""
    with _connect(path, create=False) as conn:
        rows = conn.execute("SELECT id, session, time_utc, git_commit, design, passed, mode, "
                            "versions FROM runs ORDER BY id").fetchall()
        values: dict[int, dict[str, float]] = {}
        for run_id, name, value in conn.execute("SELECT run_id, name, value FROM metrics"):
            values.setdefault(run_id, {})[name] = value
    runs = [RunRecord(id=r[0], session=r[1], time_utc=r[2], git_commit=r[3], design=r[4],
                      passed=bool(r[5]), mode=r[6], versions=json.loads(r[7]),
                      metrics=dict(sorted(values.get(r[0], {}).items())))
            for r in rows if designs is None or r[4] in designs]
    if last is not None:
        kept: list[RunRecord] = []
        for design in dict.fromkeys(r.design for r in runs):
            kept += [r for r in runs if r.design == design][-last:]
        runs = sorted(kept, key=lambda r: r.id)
    return runs
