"""Report figures as small self-contained SVG images (plain text, no plotting library: the
report stays a fast, pure function of its records)."""

from __future__ import annotations

import base64
from html import escape

_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]
_W = 600          # image width (px)
_LABEL_W = 150    # left column for bar names
_ROW = 24


def data_uri(image: bytes, mime: str = "image/svg+xml") -> str:
    return f"data:{mime};base64," + base64.b64encode(image).decode("ascii")


def png_data_uri(png: bytes) -> str:
    return data_uri(png, "image/png")


def _svg(height: int, body: list[str]) -> bytes:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
            f'viewBox="0 0 {_W} {height}" font-family="sans-serif" font-size="11">')
    return (head + '<rect width="100%" height="100%" fill="white"/>' + "".join(body)
            + "</svg>").encode("utf-8")


def _title(text: str) -> str:
    return f'<text x="{_W / 2}" y="16" text-anchor="middle" font-size="13">{escape(text)}</text>'


def _hbars(rows: list[tuple[str, float, str, str]], top: int = 28) -> list[str]:
    """rows: (name, value, label after the bar, colour), bars scaled to the largest value."""
    vmax = max([v for _, v, _, _ in rows] + [1e-30])
    span = (_W - _LABEL_W - 10) / 1.6
    out = []
    for i, (name, v, label, color) in enumerate(rows):
        y = top + i * _ROW
        w = max(0.0, v) / vmax * span
        out.append(f'<text x="{_LABEL_W - 6}" y="{y + 15}" text-anchor="end">'
                   f'{escape(name)}</text>')
        out.append(f'<rect x="{_LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{_ROW - 6}" '
                   f'fill="{color}"/>')
        out.append(f'<text x="{_LABEL_W + w + 4:.1f}" y="{y + 15}">{escape(label)}</text>')
    return out


def bar_breakdown(title: str, parts: dict[str, float], unit: str) -> bytes:
    """Horizontal bars, one per part, labelled with value and share."""
    total = sum(parts.values()) or 1.0
    rows = [(n, v, f"{v:.4g} {unit} ({100 * v / total:.1f}%)", _COLORS[i % len(_COLORS)])
            for i, (n, v) in enumerate(parts.items())]
    return _svg(36 + _ROW * max(1, len(rows)), [_title(title), *_hbars(rows)])


def grouped_bars(title: str, groups: dict[str, dict[str, float]], unit: str) -> bytes:
    """One bar per (part, group) (e.g. switching under vectorless / annotated)."""
    parts = sorted({p for g in groups.values() for p in g})
    rows = []
    for p in parts:
        for k, (gname, vals) in enumerate(groups.items()):
            v = vals.get(p, 0.0)
            rows.append((f"{p} ({gname})", v, f"{v:.4g} {unit}", _COLORS[k % len(_COLORS)]))
    return _svg(36 + _ROW * max(1, len(rows)), [_title(title), *_hbars(rows)])


def timing_bars(title: str, period_ns: float, arrival_ns: float | None,
                slack_ns: float | None) -> bytes:
    """Clock period against the worst data arrival (setup): the timing summary."""
    rows = [("clock period", period_ns, f"{period_ns:.4g} ns", _COLORS[0])]
    if arrival_ns is not None:
        rows.append(("worst path", arrival_ns, f"{arrival_ns:.4g} ns",
                     _COLORS[2] if (slack_ns or 0) >= 0 else _COLORS[3]))
    label = f"slack {slack_ns:.3f} ns" if slack_ns is not None else "no timing data"
    return _svg(36 + _ROW * len(rows), [_title(f"{title}: {label}"), *_hbars(rows)])
