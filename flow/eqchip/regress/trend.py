"""Trends from the run history: a table per design and a plot (PNG and self-contained HTML)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from eqchip.fileio import write_bytes_atomic, write_text_atomic
from eqchip.regress.compare import fmt, fmt_delta
from eqchip.regress.history import RunRecord

MAX_PLOTS = 12


@dataclass(frozen=True)
class Trend:
    design: str
    metric: str
    values: list[tuple[int, float]]      # (run id, value), oldest first

    @property
    def first(self) -> float:
        return self.values[0][1]

    @property
    def last(self) -> float:
        return self.values[-1][1]

    @property
    def previous(self) -> float | None:
        return self.values[-2][1] if len(self.values) > 1 else None


def trends(runs: list[RunRecord], patterns: list[str]) -> list[Trend]:
    """One trend per (design, metric) whose name matches any pattern (all if none given)."""
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for run in runs:
        for name, value in run.metrics.items():
            if not patterns or any(fnmatchcase(name, p) for p in patterns):
                series.setdefault((run.design, name), []).append((run.id, value))
    return [Trend(d, m, v) for (d, m), v in sorted(series.items())]


def table_rows(items: list[Trend]) -> list[tuple[str, ...]]:
    rows = []
    for t in items:
        prev = t.previous
        rows.append((t.design, t.metric, str(len(t.values)), fmt(t.first), fmt(prev), fmt(t.last),
                     fmt_delta(prev, t.last) if prev is not None and prev != t.last else "",
                     fmt_delta(t.first, t.last) if t.first != t.last else ""))
    return rows


TABLE_COLUMNS = ("design", "metric", "runs", "first", "previous", "last", "vs previous",
                 "vs first")


def plot_png(items: list[Trend], runs: list[RunRecord]) -> bytes:
    """A grid of small plots (one per metric, one line per design) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    metrics = list(dict.fromkeys(t.metric for t in items))[:MAX_PLOTS]
    cols = 3 if len(metrics) > 4 else max(1, min(2, len(metrics)))
    nrows = max(1, -(-len(metrics) // cols))
    fig = Figure(figsize=(5 * cols, 3.2 * nrows), dpi=80)
    commit = {r.id: r.git_commit[:8] for r in runs}
    failed = {r.id for r in runs if not r.passed}
    for i, metric in enumerate(metrics):
        ax = fig.add_subplot(nrows, cols, i + 1)
        for t in (t for t in items if t.metric == metric):
            ax.plot([v[0] for v in t.values], [v[1] for v in t.values], marker="o",
                    label=t.design)
            bad = [v for v in t.values if v[0] in failed]
            if bad:
                ax.plot([v[0] for v in bad], [v[1] for v in bad], "x", color="red",
                        markersize=9, label=f"{t.design}: failed run")
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel("run", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    if not metrics:
        fig.add_subplot(1, 1, 1).text(0.5, 0.5, "no matching metrics", ha="center")
    fig.suptitle(f"eqchip PPA history ({len(runs)} runs, last commit "
                 f"{commit.get(max(commit), '-') if commit else '-'})", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def html_page(items: list[Trend], runs: list[RunRecord], png: bytes) -> str:
    """A single HTML file: the plot inlined as a data URI, the trend table and the run list."""
    img = base64.b64encode(png).decode("ascii")
    esc = html.escape
    trend_rows = "\n".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                           for row in table_rows(items))
    run_rows = "\n".join(
        f"<tr><td>{r.id}</td><td>{esc(r.time_utc)}</td><td>{esc(r.git_commit[:12])}</td>"
        f"<td>{esc(r.design)}</td><td>{'pass' if r.passed else 'FAIL'}</td></tr>"
        for r in runs)
    head = "".join(f"<th>{esc(c)}</th>" for c in TABLE_COLUMNS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>eqchip PPA history</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;font-size:13px}}</style></head>
<body><h1>eqchip PPA history</h1>
<img alt="metric trends" src="data:image/png;base64,{img}">
<h2>Trends</h2><table><tr>{head}</tr>
{trend_rows}
</table>
<h2>Runs</h2><table><tr><th>run</th><th>time (UTC)</th><th>commit</th><th>design</th>
<th>result</th></tr>
{run_rows}
</table></body></html>
"""


def write_plots(out_dir: Path, items: list[Trend], runs: list[RunRecord]) -> tuple[Path, Path]:
    png = plot_png(items, runs)
    png_path, html_path = Path(out_dir) / "history.png", Path(out_dir) / "history.html"
    write_bytes_atomic(png_path, png)
    write_text_atomic(html_path, html_page(items, runs, png))
    return png_path, html_path
