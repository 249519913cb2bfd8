"""The planned floorplan as a PNG (matplotlib, Agg): die outline, core outline and every MRAM
macro at the place floorplan.size planned for it, each labelled, the title saying PLANNED.

The drawing is made from the report's `floorplan` section only (`eqchip.report.chip.
floorplan_section`), and the PNG carries what it draws as JSON in its `Description` text chunk
(`drawn_objects`), so a reader can check the picture without looking at pixels."""

from __future__ import annotations

import io
import json

#: PNG text-chunk key holding the drawn objects as JSON
META_KEY = "Description"


def drawn_objects(section: dict) -> list[dict]:
    """What the picture draws: [{kind: die|core|macro, label, x0, y0, x1, y1}] in um."""
    d, c = section["die_um"], section["core_um"]
    objs = [{"kind": "die", "label": "die", "x0": d[0], "y0": d[1], "x1": d[2], "y1": d[3]},
            {"kind": "core", "label": "core (planned)", "x0": c[0], "y0": c[1], "x1": c[2],
             "y1": c[3]}]
    for m in section["macros"]:
        if m.get("width_um") is None or m.get("height_um") is None:
            continue
        objs.append({"kind": "macro", "label": m["instance"], "x0": m["x_um"],
                     "y0": m["y_um"], "x1": m["x_um"] + m["width_um"],
                     "y1": m["y_um"] + m["height_um"]})
    return objs


def floorplan_png(section: dict, design: str) -> bytes:
    """PNG of the planned floorplan (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    objs = drawn_objects(section)
    die = objs[0]
    aspect = (die["y1"] - die["y0"]) / max(die["x1"] - die["x0"], 1e-9)
    fig = Figure(figsize=(6.4, max(3.0, min(9.0, 6.0 * aspect + 0.8))), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    style = {"die": {"fill": False, "edgecolor": "#222", "linewidth": 1.5},
             "core": {"fill": True, "facecolor": "#eef4ff", "edgecolor": "#4c72b0",
                      "linestyle": "--", "linewidth": 1.2},
             "macro": {"fill": True, "facecolor": "#dd8452", "alpha": 0.8,
                       "edgecolor": "#7a3b12", "linewidth": 1.0}}
    for o in objs:
        ax.add_patch(Rectangle((o["x0"], o["y0"]), o["x1"] - o["x0"], o["y1"] - o["y0"],
                               gid=f"{o['kind']}:{o['label']}", **style[o["kind"]]))
        if o["kind"] == "macro":
            ax.text((o["x0"] + o["x1"]) / 2, (o["y0"] + o["y1"]) / 2, o["label"],
                    ha="center", va="center", fontsize=7, wrap=True)
    c = objs[1]
    ax.text(c["x0"] + 2, c["y1"] - 2, "core (planned)", ha="left", va="top", fontsize=8,
            color="#4c72b0")
    pad = 0.03 * max(die["x1"] - die["x0"], die["y1"] - die["y0"])
    ax.set_xlim(die["x0"] - pad, die["x1"] + pad)
    ax.set_ylim(die["y0"] - pad, die["y1"] + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    n = len(objs) - 2
    ax.set_title(f"{design}: PLANNED floorplan before place and route\n"
                 f"die {die['x1'] - die['x0']:,.1f} x {die['y1'] - die['y0']:,.1f} µm, "
                 f"{n} MRAM macro{'s' if n != 1 else ''}", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    meta = {"Title": f"{design}: planned floorplan",
            META_KEY: json.dumps({"planned": True, "drawn_objects": objs})}
    fig.savefig(buf, format="png", metadata=meta)
    return buf.getvalue()
