"""report.json, report.md and a self-contained report.html (inline PNG figures) from the
analysis dict (`eqchip.report.analysis`)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from eqchip.fileio import remove_outputs, write_files_atomic
from eqchip.report import plots
from eqchip.resources import templates_dir


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    markdown: Path
    html: Path
    layout_png: Path | None
    floorplan_png: Path | None = None


def fmt(v: object, digits: int = 4) -> str:
    """Engineering-friendly number formatting for tables: `digits` significant digits, and
    numbers of `digits` or more integer digits in full with thousands separators (61,650, not
    6.165e+04)."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v == 0 or not math.isfinite(v):
            return f"{v:g}"
        if 10 ** digits <= abs(v) < 1e15:
            return f"{v:,.0f}"
        return f"{v:.{digits}g}"
    return str(v)


#: units as a reader writes them
UNITS = {"um2": "µm²", "um": "µm", "uW": "µW", "fraction": "", "um^2": "µm²"}

#: human labels of report.json's keys (tables show these, report.json keeps the keys)
LABELS = {
    "sequential_um2": "sequential cells", "combinational_um2": "combinational cells",
    "stdcell_um2": "standard cells", "macro_um2": "MRAM macros",
    "total_um2": "total cell area", "per_synapse_um2": "per synapse (total)",
    "mram_per_synapse_um2": "per synapse (MRAM)",
    "clock_period_ns": "clock period", "setup_slack_ns": "worst setup slack",
    "setup_tns_ns": "total negative setup slack", "hold_slack_ns": "worst hold slack",
    "hold_tns_ns": "total negative hold slack",
    "achievable_freq_mhz": "achievable clock (register to register)",
    "setup_slack_sta_ns": "worst setup slack (power node's OpenSTA run)",
    "worst_path_ns": "worst path delay", "fmax_mhz": "achievable clock (register to register)",
    "logic_dynamic": "logic, dynamic", "logic_leakage": "logic, leakage",
    "mram_read": "MRAM reads", "mram_write": "MRAM writes", "mram_leakage": "MRAM leakage",
    "mram_stochastic_write": "MRAM stochastic (MTJ) writes",
    "switching_w": "switching", "internal_w": "internal", "leakage_w": "leakage",
    "total_w": "total",
    "state_bits": "neuron state width", "weight_bits": "weight width",
    "weight_frac": "weight fraction bits", "bias_bits": "bias width",
    "acc_bits": "accumulator width", "t1": "free-phase STEPs (T1)",
    "t2": "nudged-phase STEPs (T2)", "beta_shift": "nudging shift (beta = 2^-n)",
    "symmetric": "symmetric nudging", "mac_units": "MAC units", "word_bits": "MRAM word",
    "weights_per_word": "weights per MRAM word", "words_per_macro": "words per macro",
    "macros": "MRAM macros", "macro_module": "macro cell", "words": "words per weight matrix",
    "lr_shifts": "learning-rate shifts (2^-n)",
}

#: units of the design parameters table
PARAM_UNITS = {"state_bits": "bits", "weight_bits": "bits", "weight_frac": "bits",
               "bias_bits": "bits", "acc_bits": "bits", "t1": "STEPs", "t2": "STEPs",
               "beta_shift": "n", "mac_units": "units", "word_bits": "bits",
               "weights_per_word": "weights", "words_per_macro": "words", "macros": "macros",
               "words": "words", "lr_shifts": "n"}


def unit(u: object) -> str:
    return UNITS.get(str(u), str(u)) if u is not None else ""


def label(key: object) -> str:
    return LABELS.get(str(key), str(key).replace("_", " "))


def cell(v: object, digits: int = 10) -> Markup:
    """A table cell's value: long unbroken strings (sha256 digests) abbreviated, the full
    value in the title attribute (HTML only)."""
    text = fmt(v, digits)
    if isinstance(v, str) and len(v) > 20 and " " not in v:
        return Markup('<span title="{}">{}&hellip;</span>').format(text, text[:12])
    return Markup("{}").format(text)


def _env(html: bool) -> jinja2.Environment:
    """HTML escapes every value (raw figure data URIs are marked `|safe` in the template)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "report")),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
        lstrip_blocks=True, autoescape=html)
    env.filters["fmt"] = fmt
    env.filters["unit"] = unit
    env.filters["label"] = label
    env.filters["cell"] = cell
    env.globals["PARAM_UNITS"] = PARAM_UNITS
    return env


def key_figures(data: dict) -> list[tuple[str, dict | None]]:
    """The headline rows shared by Markdown and HTML: (label, figure)."""
    e = data["energy"]["figures"]
    area = data.get("area") or {}
    timing = data.get("timing") or {}
    pr = data.get("post_route_energy")
    tag = " (post-route)" if pr else ""
    rows = [
        (f"Energy per inference{tag}", e["energy_per_inference"]),
        (f"Energy per training sample{tag}", e["energy_per_training_sample"]),
        (f"Energy per synaptic op (inference){tag}", e["pj_per_synop_inference"]),
    ]
    if pr:
        syn = pr["figures_post_synthesis"]
        rows += [("Energy per inference (post-synthesis)", syn["energy_per_inference"]),
                 ("Energy per training sample (post-synthesis)",
                  syn["energy_per_training_sample"]),
                 ("Energy per synaptic op (inference, post-synthesis)",
                  syn["pj_per_synop_inference"])]
    rows += [
        ("Energy per synaptic op (training)", e["pj_per_synop_training"]),
        ("Energy per weight update", e["energy_per_weight_update"]),
        ("TOPS/W (inference)", e["tops_per_w_inference"]),
        ("TOPS/W (training)", e["tops_per_w_training"]),
        ("Inference latency", e["inference_latency"]),
        ("Training-step latency", e["training_step_latency"]),
        ("Area per synapse (total)", area.get("per_synapse_um2")),
        ("Area per synapse (MRAM)", area.get("mram_per_synapse_um2")),
        ("Total cell area", area.get("total_um2")),
        ("Worst setup slack", timing.get("setup_slack_sta_ns")),
    ]
    fp = data.get("floorplan") or {}
    for key, what in (("die_area_um2", "Die area"), ("core_area_um2", "Core area")):
        if fp.get(f"post_layout_{key}"):
            rows.append((f"{what} (post-layout)", fp[f"post_layout_{key}"]))
        elif fp.get(key):
            rows.append((f"{what} (planned, before place and route)", fp[key]))
    acc = data.get("accuracy") or {}
    if acc:
        n = f", n = {acc['n_test']}" if acc.get("n_test") else ""
        rows.append((f"Bit-exact test accuracy{n}", acc.get("test_accuracy") or {
            "value": None, "unit": "",
            "source": f"no training record: run `{acc.get('command')}`"}))
    for row in (data.get("post_layout") or {}).get("rows", []):
        if row["id"] in ("stdcell_area_um2", "setup_ws_ns", "hold_ws_ns", "power_total_w",
                         "clock_power_share", "wirelength_um", "drc_errors",
                         "clock_skew_setup_ns"):
            rows.append((f"Post-layout {row['label']}", row["post_layout"]))
    return rows


def convergence_rows(data: dict) -> list[dict]:
    """The rows of the convergence table shared by Markdown and HTML (empty without the
    gate): per row `label`, `fixed` (the fixed schedule's T1/T2 STEPs, WUPD always, energy),
    the gated test-set distribution `mean`, `std`, `p10`, `p90`, `ratio` (mean / fixed) and
    `source`; None where a figure does not apply."""
    c = data.get("convergence")
    if not c:
        return []

    def dist(label: str, d: dict, fixed: float, ratio: float | None = None) -> dict:
        return {"label": label, "fixed": fixed, "mean": d["mean"], "std": d["std"],
                "p10": d["p10"], "p90": d["p90"],
                "ratio": d["mean"] / fixed if ratio is None else ratio, "source": d["source"]}

    limit = {"free": c["t1"], "plus": c["t2"], "minus": c["t2"]}
    rows = [dist("inference: free-phase STEPs", c["inference_steps"], c["t1"])]
    rows += [dist(f"training: {k}-phase STEPs", c["training_steps"][k], limit[k])
             for k in limit if k in c["training_steps"]]
    sk = c["skipped_updates"]
    rows.append({"label": "weight updates skipped (%)", "fixed": 0, "mean": sk["value"] * 100,
                 "std": None, "p10": None, "p90": None, "ratio": None,
                 "source": sk["source"]})
    e = c.get("energy")
    if e:
        rows += [dist("energy per inference (pJ)", e["inference_pj"],
                      e["fixed_schedule_inference_pj"], e["inference_ratio"]),
                 dist("energy per training sample (pJ)", e["training_sample_pj"],
                      e["fixed_schedule_training_sample_pj"], e["training_ratio"])]
    return rows


_LABEL = {"vectorless": "vectorless", "annotated": "annotated",
          "rtl_propagated": "RTL + propagation"}


def figures(data: dict, layout_png: bytes | None) -> dict[str, str]:
    """name -> data URI of each figure."""
    out: dict[str, str] = {}
    area = data.get("area")
    if area:
        out["area"] = plots.data_uri(plots.bar_breakdown(
            "Cell area", {"sequential": area["sequential_um2"]["value"],
                          "combinational": area["combinational_um2"]["value"],
                          "MRAM macros": area["macro_um2"]["value"]}, "µm²"))
    pw = data.get("power")
    if pw and pw.get("logic") and pw["logic"].get("vectorless"):
        groups = {}
        for which in ("vectorless", "annotated", "rtl_propagated"):
            lp = pw["logic"].get(which)
            if lp:
                groups[_LABEL[which]] = {label(k): lp[k]["value"] * 1e6
                                 for k in ("switching_w", "internal_w", "leakage_w", "total_w")}
        out["power"] = plots.data_uri(plots.grouped_bars(
            "Logic power: vectorless vs activity-annotated", groups, "µW"))
    tr = data["energy"]["training_step"]["parts_pj"]
    out["energy"] = plots.data_uri(plots.bar_breakdown(
        "Energy of one training step", {label(k): v["value"] for k, v in tr.items()}, "pJ"))
    inf = data["energy"]["inference"]["parts_pj"]
    out["energy_inference"] = plots.data_uri(plots.bar_breakdown(
        "Energy of one inference", {label(k): v["value"] for k, v in inf.items()}, "pJ"))
    t = data.get("timing") or {}
    period = t["clock_period_ns"]["value"]
    slack = t.get("setup_slack_sta_ns")
    path = t.get("worst_path_ns")
    out["timing"] = plots.data_uri(plots.timing_bars(
        "Setup timing", period, path["value"] if path else None,
        slack["value"] if slack else None))
    if layout_png is not None:
        out["layout"] = plots.png_data_uri(layout_png)
    return out


def write_outputs(data: dict, out_dir: Path, layout_png: bytes | None,
                  floorplan_png: bytes | None = None) -> ReportPaths:
    """Render every text first, then write them all or nothing (`write_files_atomic`: a
    rendering failure, a full disk or an interrupt leaves the previous report as it was, never
    a mix of two runs), report.json (what tools read) renamed last."""
    jpath, mpath, hpath = out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"
    lpath = out_dir / "layout.png" if layout_png is not None else None
    fpath = out_dir / "floorplan.png" if floorplan_png is not None else None
    json_out = json.dumps(data, indent=2, sort_keys=True) + "\n"
    ctx = {"d": data, "key": key_figures(data), "conv": convergence_rows(data),
           "json_text": json.dumps(data, indent=1)}
    md_text = _env(False).get_template("report.md.j2").render(**ctx)
    ctx["fig"] = figures(data, layout_png)
    if floorplan_png is not None:
        ctx["fig"]["floorplan"] = plots.png_data_uri(floorplan_png)
    html_text = _env(True).get_template("report.html.j2").render(**ctx)
    files = {mpath: md_text.encode("utf-8"), hpath: html_text.encode("utf-8")}
    if lpath is not None and layout_png is not None:
        files[lpath] = layout_png
    if fpath is not None and floorplan_png is not None:
        files[fpath] = floorplan_png
    files[jpath] = json_out.encode("utf-8")
    write_files_atomic(files)
    # a picture of the previous report that this one has not (no floorplan plan, no layout)
    # must not look like this report's
    remove_outputs(*(p for p in (out_dir / "floorplan.png", out_dir / "layout.png")
                     if p not in files))
    return ReportPaths(jpath, mpath, hpath, lpath, fpath)
