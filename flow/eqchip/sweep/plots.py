"""Plots of a sweep table: accuracy vs energy per inference and energy vs area, the Pareto
front highlighted. sweep.png (matplotlib) and sweep.html (self-contained: inline SVG, hovering
a point shows its parameters and figures; no scripts, no external files)."""

from __future__ import annotations

import html
import io
from pathlib import Path

from eqchip.fileio import write_bytes_atomic, write_text_atomic
from eqchip.sweep.record import PointResult
from eqchip.sweep.table import SweepTable

#: (x key, x label, y key, y label) of each panel
PANELS = (
    ("energy_per_inference_pj", "energy per inference (pJ)", "accuracy",
     "bit-exact test accuracy"),
    ("area_um2", "area (um^2)", "energy_per_inference_pj", "energy per inference (pJ)"),
)


def _hover(r: PointResult, on_front: bool) -> str:
    lines = [f"point {r.id}{' (Pareto front)' if on_front else ''}"]
    lines += [f"{k} = {v}" for k, v in r.params.items()]
    lines += [f"accuracy = {r.accuracy:.4f}",
              f"energy/inference = {r.energy_per_inference_pj:.4g} pJ",
              f"energy/training sample = {r.energy_per_training_sample_pj:.4g} pJ",
              f"energy/MAC = {r.energy_per_mac_pj:.4g} pJ",
              f"area = {r.area_um2:.4g} um^2", f"fmax = {r.fmax_mhz:.4g} MHz"]
    return "\n".join(lines)


def png_bytes(table: SweepTable) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(row.result, row.on_front) for row in table.rows if row.result.status == "ok"]
    fig, axes = plt.subplots(1, len(PANELS), figsize=(11, 4.5))
    for ax, (xk, xl, yk, yl) in zip(axes, PANELS, strict=True):
        for on, style in ((False, dict(c="#9aa5b1", s=28, label="dominated")),
                          (True, dict(c="#d62728", s=46, label="Pareto front"))):
            pts = [(getattr(r, xk), getattr(r, yk)) for r, f in rows if f == on]
            if pts:
                ax.scatter(*zip(*pts, strict=True), **style)
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"sweep {table.sweep}: {len(rows)} points, {len(table.front)} on the front")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _ticks(lo: float, hi: float) -> list[float]:
    return [lo + (hi - lo) * i / 4 for i in range(5)]


def _svg_panel(table: SweepTable, xk: str, xl: str, yk: str, yl: str) -> str:
    w, h, ml, mr, mt, mb = 460, 340, 70, 20, 20, 50
    rows = [(row.result, row.on_front) for row in table.rows if row.result.status == "ok"]
    xs = [getattr(r, xk) for r, _ in rows] or [0.0, 1.0]
    ys = [getattr(r, yk) for r, _ in rows] or [0.0, 1.0]

    def span(v: list[float]) -> tuple[float, float]:
        lo, hi = min(v), max(v)
        pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
        return lo - pad, hi + pad

    (x0, x1), (y0, y1) = span(xs), span(ys)

    def px(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * (w - ml - mr)

    def py(y: float) -> float:
        return h - mb - (y - y0) / (y1 - y0) * (h - mt - mb)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" role="img">',
           f'<rect x="{ml}" y="{mt}" width="{w - ml - mr}" height="{h - mt - mb}" '
           'fill="#fff" stroke="#999"/>']
    for t in _ticks(x0, x1):
        out.append(f'<text x="{px(t):.1f}" y="{h - mb + 16}" font-size="10" '
                   f'text-anchor="middle">{t:.4g}</text>')
    for t in _ticks(y0, y1):
        out.append(f'<text x="{ml - 6}" y="{py(t) + 3:.1f}" font-size="10" '
                   f'text-anchor="end">{t:.4g}</text>')
    out.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 10}" font-size="12" '
               f'text-anchor="middle">{html.escape(xl)}</text>')
    out.append(f'<text x="14" y="{(mt + h - mb) / 2}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 14 {(mt + h - mb) / 2})">{html.escape(yl)}</text>')
    front = sorted(((getattr(r, xk), getattr(r, yk)) for r, f in rows if f))
    for r, f in sorted(rows, key=lambda rf: rf[1]):
        color, radius = ("#d62728", 7) if f else ("#9aa5b1", 5)
        out.append(f'<circle class="pt{" front" if f else ""}" cx="{px(getattr(r, xk)):.1f}" '
                   f'cy="{py(getattr(r, yk)):.1f}" r="{radius}" fill="{color}" '
                   f'fill-opacity="0.85" stroke="#333"><title>{html.escape(_hover(r, f))}'
                   f'</title></circle>')
    if len(front) > 1:
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in front)
        out.append(f'<polyline points="{pts}" fill="none" stroke="#d62728" '
                   'stroke-dasharray="4 3" opacity="0.5"/>')
    out.append("</svg>")
    return "\n".join(out)


def html_text(table: SweepTable) -> str:
    ok = table.ok
    failed = [r.result for r in table.rows if r.result.status != "ok"]
    panels = "\n".join(f"<figure>{_svg_panel(table, *p)}</figure>" for p in PANELS)
    head = ["point", *table.params, "accuracy", "E/inference (pJ)", "area (um2)",
            "fmax (MHz)", "front"]
    body = []
    for row in table.rows:
        r = row.result
        if r.status != "ok":
            continue
        cells = [r.id, *(r.params.get(p) for p in table.params), f"{r.accuracy:.4f}",
                 f"{r.energy_per_inference_pj:.4g}", f"{r.area_um2:.4g}", f"{r.fmax_mhz:.4g}",
                 "yes" if row.on_front else ""]
        cls = ' class="front"' if row.on_front else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                    + "</tr>")
    fail = "".join(f"<li>{html.escape(r.id)} ({r.status}): {html.escape(r.error or '')}</li>"
                   for r in failed)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>eqchip sweep {html.escape(table.sweep)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
circle.pt:hover {{ stroke-width: 3; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
tr.front {{ background: #fde2e2; }}
</style></head><body>
<h1>eqchip sweep {html.escape(table.sweep)}</h1>
<p>Base design {html.escape(table.base)}; {len(ok)} points finished, {len(failed)} failed or
invalid; {len(table.front)} on the Pareto front (accuracy up, energy per inference down, area
down; red). Hover a point for its parameters. Best point: {html.escape(table.best or '-')}.</p>
{panels}
<table><thead><tr>{''.join(f'<th>{html.escape(h)}</th>' for h in head)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
{f'<h2>Failed or invalid points</h2><ul>{fail}</ul>' if fail else ''}
</body></html>
"""


def write_plots(table: SweepTable, out_dir: Path) -> dict[str, Path]:
    files = {"png": Path(out_dir) / "sweep.png", "html": Path(out_dir) / "sweep.html"}
    write_bytes_atomic(files["png"], png_bytes(table))
    write_text_atomic(files["html"], html_text(table))
    return files
