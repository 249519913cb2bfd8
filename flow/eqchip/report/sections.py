"""The sections of report.json (docs/report.md) the report composes itself, each a plain dict
of figures `{value, unit, source}`: timing, design parameters, tool versions, cross-checks
against metrics.json. Pure: from the design, metrics.json and the `synthesis.power` node's
activity_power.json (the measured sections are made there: eqchip.power.sections)."""

from __future__ import annotations

import platform

from eqchip.config import LoadedDesign
from eqchip.figures import check, dig, fig


def metrics_checks(metrics: dict, loaded: LoadedDesign, area: dict | None,
                   sta: dict | None) -> list[dict]:
    """The report's own numbers against `eqchip build`'s metrics.json (same netlist)."""
    out: list[dict] = []
    sha = metrics.get("design_sha256")
    if isinstance(sha, str):
        out.append(check("design_sha256", "design YAML is the one the build used (sha256)",
                         sha, loaded.sha256))
    std = dig(metrics, "area", "stdcell_um2")
    if area is not None and isinstance(std, int | float):
        out.append(check("stdcell_area",
                         "standard-cell area: netlist x Liberty = metrics.json area.stdcell_um2"
                         " (within 0.1 %)", float(std), area["stdcell_um2"]["value"], 1e-3))
    slack = dig(metrics, "timing", "setup_slack_ns")
    own = (sta or {}).get("setup_slack_ns")
    if own is not None and isinstance(slack, int | float):
        out.append(check("setup_slack",
                         "worst setup slack: synthesis.power's OpenSTA run = metrics.json "
                         "(within 1 %)", float(slack), own, 1e-2))
    return out


def design_section(loaded: LoadedDesign) -> dict:
    a = loaded.arch
    return {
        "name": a.name, "path": str(loaded.path), "sha256": loaded.sha256,
        "layers": list(a.layers), "n_synapses": a.n_synapses, "n_dynamic_neurons": a.n_dynamic,
        "clock_mhz": loaded.design.clock.freq_mhz, "clock_period_ns": a.clock_period_ns,
        "parameters": {
            "state_bits": a.state_bits, "weight_bits": a.weight_bits,
            "weight_frac": a.weight_frac, "bias_bits": a.bias_bits, "acc_bits": a.acc_bits,
            "t1": a.t1, "t2": a.t2, "beta_shift": a.beta_shift, "symmetric": a.symmetric,
            "mac_units": a.mac_units, "word_bits": a.word_bits,
            "weights_per_word": a.weights_per_word, "words_per_macro": a.words_per_macro,
            "macros": a.total_macros, "macro_module": a.macro_module,
            "words": [m.words for m in a.matrices],
            "lr_shifts": [m.lr_shift for m in a.matrices],
        },
    }


def tools_section(sta: dict | None, metrics: dict) -> dict:
    out: dict[str, str | None] = {"python": platform.python_version(),
                                  "opensta_version": (sta or {}).get("version")}
    built = metrics.get("tools") if isinstance(metrics.get("tools"), dict) else {}
    for k, v in built.items():
        if isinstance(v, str):
            out[f"build_{k}" if k.endswith(("version", "kind")) else f"build_{k}_version"] = v
    for mod, key in (("siliconcompiler", "siliconcompiler_version"),
                     ("klayout", "klayout_version")):
        try:
            from importlib.metadata import version

            out[key] = version(mod)
        except Exception:  # noqa: BLE001 - a missing package is reported as None
            out[key] = None
    return out


def timing_section(sta: dict | None, period_ns: float, metrics: dict) -> dict:
    out: dict = {"clock_period_ns": fig(period_ns, "ns", "design clock.freq_mhz")}
    stage = dig(metrics, "timing", "stage")
    for key in ("setup_slack_ns", "setup_tns_ns", "hold_slack_ns", "hold_tns_ns",
                "achievable_freq_mhz"):
        v = dig(metrics, "timing", key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            unit = "MHz" if key.endswith("mhz") else "ns"
            out[key] = fig(float(v), unit, f"metrics.json timing.{key}"
                           + (f" ({stage})" if isinstance(stage, str) else ""))
    own = (sta or {}).get("setup_slack_ns")
    if own is not None:
        out["setup_slack_sta_ns"] = fig(own, "ns",
                                        f"OpenSTA worst setup slack ({sta.get('log')})")
        arrival = period_ns - own
        out["worst_path_ns"] = fig(arrival, "ns", "clock period - worst setup slack")
    netlist_fmax = dig(metrics, "timing", "achievable_freq_mhz")
    if isinstance(netlist_fmax, int | float) and not isinstance(netlist_fmax, bool) \
            and netlist_fmax > 0:
        # the netlist's own register-to-register clock (eqchip.asic.fmax), not one that
        # follows the target through the I/O budget
        out["fmax_mhz"] = fig(float(netlist_fmax), "MHz",
                              "metrics.json timing.achievable_freq_mhz (register to register)")
    elif own is not None and period_ns - own > 0:
        out["fmax_mhz"] = fig(1000.0 / (period_ns - own), "MHz", "1000 / worst_path_ns")
    return out


