"""Trends from the run history: a table per design and a plot (PNG and self-contained HTML)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from eqchip.fileio import write_bytes_atomic, write_json_atomic, write_text_atomic
from eqchip.regress.compare import fmt, fmt_delta
from eqchip.regress.history import RunRecord

#: panels in the figure (the rest are in the table and history.json's not_plotted)
MAX_PLOTS = 15


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


#: the headline metrics, plotted first in this order: (metric, title, unit)
HEADLINE = (
    ("report.energy.figures.energy_per_inference", "energy per inference", "pJ"),
    ("report.energy.figures.energy_per_training_sample", "energy per training sample", "pJ"),
    ("report.energy.figures.pj_per_synop_inference", "energy per MAC, inference", "pJ/MAC"),
    ("report.energy.figures.pj_per_synop_training", "energy per MAC, training", "pJ/MAC"),
    ("report.energy.figures.tops_per_w_inference", "TOPS/W, inference", "TOPS/W"),
    ("report.energy.figures.tops_per_w_training", "TOPS/W, training", "TOPS/W"),
    ("timing.setup_slack_ns", "setup slack", "ns"),
    ("timing.achievable_freq_mhz", "achievable clock (fmax)", "MHz"),
    ("area.total_um2", "total area", "µm²"),
    ("area.stdcell_um2", "standard-cell area", "µm²"),
    ("power.logic.annotated.total_w", "logic power (activity-annotated)", "W"),
    ("report.energy.figures.energy_per_weight_update", "energy per weight update", "pJ"),
    ("flow.errors.total", "tool errors", "count"),
)
_HEADLINE = {m: (i, title, unit) for i, (m, title, unit) in enumerate(HEADLINE)}
#: unit of a metric by a part of its name (checked from the last part of the dotted name back)
_SUFFIX_UNITS = (("_um2", "µm²"), ("_pj", "pJ"), ("_ns", "ns"), ("_mhz", "MHz"), ("_uw", "µW"),
                 ("_w", "W"), ("_pf", "pF"), ("_um", "µm"), ("_pct", "%"), ("_s", "s"))
_PREFIX_UNITS = (("energy_per_", "pJ"), ("pj_per_synop", "pJ/MAC"), ("tops_per_w", "TOPS/W"),
                 ("synops_per_", "MAC"))
_NAME_UNITS = {"inference_latency": "ns", "training_step_latency": "ns",
               "inferences_per_second": "1/s", "cycles": "cycles", "mram_reads": "accesses",
               "mram_writes": "accesses", "time_ns": "ns"}
_COUNT_PARTS = {"errors", "warnings", "cells", "counters", "count", "macros", "nets",
                "buffers", "flops", "sinks"}
#: watts are shown with the prefix that suits the panel's largest value
_WATT_PREFIXES = ((1.0, "W", 1.0), (1e-3, "mW", 1e3), (1e-6, "µW", 1e6), (0.0, "nW", 1e9))


def metric_unit(metric: str) -> str:
    """The unit of a history metric (its name carries it: docs/metrics.md, docs/report.md);
    "count" for counters, "1" for dimensionless numbers (ratios, flags)."""
    if metric in _HEADLINE:
        return _HEADLINE[metric][2]
    parts = metric.split(".")
    for part in reversed(parts):
        if part in _NAME_UNITS:
            return _NAME_UNITS[part]
        for prefix, unit in _PREFIX_UNITS:
            if part.startswith(prefix):
                return unit
        for suffix, unit in _SUFFIX_UNITS:
            if part.endswith(suffix):
                return unit
    if _COUNT_PARTS & set(parts) or parts[-1].startswith("sky130_"):
        return "count"
    return "1"


@dataclass(frozen=True)
class Panel:
    """One plot of the history figure: a metric, its title and unit as shown (watts scaled to
    a prefix), and per design the (run id, value in that unit) points."""

    metric: str
    title: str
    unit: str
    scale: float
    series: dict[str, list[tuple[int, float]]]

    def doc(self) -> dict:
        return {"metric": self.metric, "title": self.title, "unit": self.unit,
                "scale": self.scale, "series": {d: [list(v) for v in vs]
                                                for d, vs in self.series.items()}}


def _is_error_count(metric: str) -> bool:
    return "errors" in metric.split(".")


def _order(metric: str) -> tuple[int, str]:
    return (_HEADLINE[metric][0] if metric in _HEADLINE else len(HEADLINE), metric)


def plot_panels(items: list[Trend]) -> list[Panel]:
    """The panels of `items`, headline metrics first (`HEADLINE`), then the others by name;
    error counters that are 0 in every run are left out (`all_zero_errors`)."""
    by_metric: dict[str, list[Trend]] = {}
    for t in items:
        by_metric.setdefault(t.metric, []).append(t)
    zero = set(all_zero_errors(items))
    panels = []
    for metric in sorted(by_metric, key=_order):
        ts = by_metric[metric]
        if metric in zero:
            continue
        unit, scale = metric_unit(metric), 1.0
        if unit == "W":
            top = max(abs(v) for t in ts for _, v in t.values)
            unit, scale = next((u, f) for limit, u, f in _WATT_PREFIXES if top >= limit)
        title = _HEADLINE[metric][1] if metric in _HEADLINE else metric
        panels.append(Panel(metric, title, unit, scale,
                            {t.design: [(r, v * scale) for r, v in t.values] for t in ts}))
    return panels


def all_zero_errors(items: list[Trend]) -> list[str]:
    """Error counters that are 0 in every run of every design (nothing to plot)."""
    values: dict[str, list[float]] = {}
    for t in items:
        if _is_error_count(t.metric):
            values.setdefault(t.metric, []).extend(v for _, v in t.values)
    return sorted(m for m, vs in values.items() if not any(vs))


def history_figure(panels: list[Panel], runs: list[RunRecord]):  # noqa: ANN201 - a Figure
    """The matplotlib Figure of `panels` (at most MAX_PLOTS): one plot per metric, one line per
    design, failed runs as red crosses, the unit on every y axis, the run ids on the x axis."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    shown = panels[:MAX_PLOTS]
    cols = 3 if len(shown) > 4 else max(1, min(2, len(shown)))
    nrows = max(1, -(-len(shown) // cols))
    fig = Figure(figsize=(5 * cols, 3.2 * nrows), dpi=80)
    commit = {r.id: r.git_commit[:8] for r in runs}
    failed = {r.id for r in runs if not r.passed}
    for i, panel in enumerate(shown):
        ax = fig.add_subplot(nrows, cols, i + 1)
        ids = sorted({r for vs in panel.series.values() for r, _ in vs})
        for design, vs in panel.series.items():
            ax.plot([r for r, _ in vs], [v for _, v in vs], marker="o", label=design)
            bad = [(r, v) for r, v in vs if r in failed]
            if bad:
                ax.plot([r for r, _ in bad], [v for _, v in bad], "x", color="red",
                        markersize=9, label=f"{design}: failed run")
        title = panel.title if panel.title == panel.metric else \
            f"{panel.title}\n{panel.metric}"
        ax.set_title(title, fontsize=8)
        ax.set_ylabel(f"{panel.title if panel.title != panel.metric else 'value'} "
                      f"[{panel.unit}]", fontsize=8)
        ax.set_xlabel("run", fontsize=8)
        ax.set_xlim(ids[0] - 0.5, ids[-1] + 0.5)   # one run: 0.5 either side of it
        if len(ids) <= 10:
            ax.set_xticks(ids)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    if not shown:
        fig.add_subplot(1, 1, 1).text(0.5, 0.5, "no matching metrics", ha="center")
    fig.suptitle(f"eqchip PPA history ({len(runs)} run{'s' if len(runs) != 1 else ''}, last commit "
                 f"{commit.get(max(commit), '-') if commit else '-'})", fontsize=10)
    left = [p.metric for p in panels[MAX_PLOTS:]]
    if left:
        fig.text(0.01, 0.005, f"{len(left)} more metrics in the table, not plotted",
                 fontsize=7)
    fig.tight_layout()
    return fig


def plot_png(items: list[Trend], runs: list[RunRecord]) -> bytes:
    """`history_figure` of `items` as PNG bytes."""
    fig = history_figure(plot_panels(items), runs)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def plot_doc(items: list[Trend], runs: list[RunRecord]) -> dict:
    """What the figure shows, as data (history.json): the panels in order with their units and
    points, the all-zero error counters and the metrics beyond MAX_PLOTS left out."""
    panels = plot_panels(items)
    return {"schema": "eqchip-history-plot/1", "runs": [r.id for r in runs],
            "panels": [p.doc() for p in panels[:MAX_PLOTS]],
            "not_plotted": [p.metric for p in panels[MAX_PLOTS:]],
            "all_zero_not_plotted": all_zero_errors(items)}


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
    """history.png, history.html and history.json (the figure's data) in `out_dir`."""
    png = plot_png(items, runs)
    png_path, html_path = Path(out_dir) / "history.png", Path(out_dir) / "history.html"
    write_bytes_atomic(png_path, png)
    write_text_atomic(html_path, html_page(items, runs, png))
    write_json_atomic(Path(out_dir) / "history.json", plot_doc(items, runs))
    return png_path, html_path
