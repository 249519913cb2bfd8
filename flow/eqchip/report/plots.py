"""Report figures as PNG bytes (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import base64
import io

_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]


def _fig(w: float = 6.0, h: float = 3.2):  # noqa: ANN202 - matplotlib figure
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=100)


def _png(fig) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def bar_breakdown(title: str, parts: dict[str, float], unit: str) -> bytes:
    """Horizontal bars, one per part, labelled with value and share."""
    fig = _fig(6.0, 0.5 + 0.45 * max(1, len(parts)))
    ax = fig.add_subplot(1, 1, 1)
    names = list(parts)
    vals = [parts[n] for n in names]
    total = sum(vals) or 1.0
    ax.barh(names, vals, color=_COLORS[: len(names)] * (1 + len(names) // len(_COLORS)))
    for i, v in enumerate(vals):
        ax.text(v, i, f" {v:.4g} {unit} ({100 * v / total:.1f}%)", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, max(vals + [1e-30]) * 1.6)
    return _png(fig)


def grouped_bars(title: str, groups: dict[str, dict[str, float]], unit: str) -> bytes:
    """Side-by-side bars: one group per key (e.g. vectorless / annotated), one bar per part."""
    fig = _fig(6.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    parts = sorted({p for g in groups.values() for p in g})
    width = 0.8 / max(1, len(groups))
    for k, (gname, vals) in enumerate(groups.items()):
        xs = [i + k * width for i in range(len(parts))]
        ax.bar(xs, [vals.get(p, 0.0) for p in parts], width=width, label=gname,
               color=_COLORS[k % len(_COLORS)])
    ax.set_xticks([i + width * (len(groups) - 1) / 2 for i in range(len(parts))])
    ax.set_xticklabels(parts, fontsize=8)
    ax.set_ylabel(unit)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return _png(fig)


def timing_bars(title: str, period_ns: float, arrival_ns: float | None,
                slack_ns: float | None) -> bytes:
    """Clock period against the worst data arrival (setup): the timing summary."""
    fig = _fig(6.0, 1.8)
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(["clock period"], [period_ns], color=_COLORS[0])
    if arrival_ns is not None:
        ax.barh(["worst path"], [arrival_ns], color=_COLORS[2] if (slack_ns or 0) >= 0
                else _COLORS[3])
    label = f"slack {slack_ns:.3f} ns" if slack_ns is not None else "no timing data"
    ax.set_title(f"{title}: {label}", fontsize=10)
    ax.set_xlabel("ns")
    ax.invert_yaxis()
    return _png(fig)
