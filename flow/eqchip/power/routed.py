"""The clock network's power and, for a routed netlist, the same power without its parasitics:
what lets the report say where the post-route power differs from the post-synthesis one.

* `clock_network` (every build): the clock network's cells (eqchip.power.propagate.
  clock_network: the clock-tree buffers and inverters, none before clock-tree synthesis, and
  the integrated clock gates) - their OpenSTA switching and leakage (`report_power
  -instances`: the power of the nets they drive, clock pins of the flip-flops included) and
  eqchip's internal power, for the training step and the inference window.
* `post_route` (a routed netlist read with its SPEF, the `postroute.power` node,
  eqchip.asic.tasks.routed_power): the same netlist, activity and clock network once more with
  OpenSTA's Liberty wire-load model instead of the SPEF (what post-synthesis power assumes for
  every net): `wire_load` (logic power) and `clock_network_wire_load`.

The report splits post-route - post-synthesis logic power into clock tree (clock network
post-route - post-synthesis), wires (SPEF - wire-load model outside the clock network) and
resizing and buffers (the rest): eqchip.report.routed_energy.
"""

from __future__ import annotations

from pathlib import Path

from eqchip.figures import fig
from eqchip.power.internal_power import internal_power
from eqchip.power.liberty import CellLogic
from eqchip.power.netlist import Netlist
from eqchip.power.power import PowerGroup, PowerRun, run_power
from eqchip.power.propagate import Annotation
from eqchip.power.sections import logic_power


def cells_power(group: PowerGroup | None, nl: Netlist, lib: dict[str, CellLogic],
                ann: Annotation | None, period_ns: float, cells: set[str], which: str,
                log: Path) -> dict[str, dict] | None:
    """Logic-power figures of `cells` alone: OpenSTA's switching and leakage of the instances
    (`group`, report_power -instances) and eqchip's internal power of the same cells."""
    if group is None or ann is None:
        return None
    ip = internal_power(nl, lib, ann.pins, period_ns, only=cells)
    src = (f"OpenSTA report_power -instances ({which}, {log.name}) of the {len(cells)} "
           "clock-network cells")
    out = {"switching_w": fig(group.switching_w, "W", src + ": switching"),
           "leakage_w": fig(group.leakage_w, "W", src + ": leakage"),
           "internal_w": fig(ip.total_w, "W", f"eqchip.power.internal_power ({which} activity) "
                                              f"of the {len(cells)} clock-network cells")}
    out["dynamic_w"] = fig(out["switching_w"]["value"] + out["internal_w"]["value"], "W",
                           "switching_w + internal_w")
    out["total_w"] = fig(out["dynamic_w"]["value"] + group.leakage_w, "W",
                         "dynamic_w + leakage_w")
    return out


def _by_type(nl: Netlist, names: list[str]) -> dict[str, int]:
    want = set(names)
    out: dict[str, int] = {}
    for c in nl.cells:
        if c.name in want:
            out[c.type] = out.get(c.type, 0) + 1
    return dict(sorted(out.items()))


def clock_network_section(run: PowerRun, nl: Netlist, lib: dict[str, CellLogic],
                          tree: list[str], gates: list[str], ann: Annotation | None,
                          ann_inf: Annotation | None, period_ns: float, method: str) -> dict:
    """activity_power.json's `clock_network` from `run` (its clock-network instances)."""
    cells = set(tree) | set(gates)
    label = f"annotated: {method}" + (", SPEF" if run.spef else ", Liberty wire-load model")
    return {"tree_cells": len(tree), "clock_gates": len(gates),
            "by_type": _by_type(nl, tree + gates),
            "parasitics": str(run.spef) if run.spef else "Liberty wire-load model",
            "training_step": cells_power(run.instances.get("annotated"), nl, lib, ann,
                                         period_ns, cells, label, run.log),
            "inference": cells_power(run.instances.get("inference"), nl, lib, ann_inf,
                                     period_ns, cells, label + ", inference window", run.log)}


def post_route_section(*, run: PowerRun, nl: Netlist, lib: dict[str, CellLogic],
                       netlist: Path, top: str, liberty: list[Path], period_ns: float,
                       ann: Annotation, ann_inf: Annotation | None, bus: set[tuple[str, str]],
                       sdc: Path | None, tree: list[str], gates: list[str], method: str,
                       work: Path) -> dict:
    """activity_power.json's `post_route` (the module docstring); `run` is the OpenSTA run
    with the SPEF, `ann` / `ann_inf` the training step's and the inference window's activity."""
    extra = {"inference": ann_inf} if ann_inf is not None else {}
    wl = run_power(work / "sta_wire_load", netlist, top, liberty, period_ns, "clk", ann, bus,
                   sdc, extra=extra, instances=(tree + gates) or None)
    cells = set(tree) | set(gates)

    def window(name: str, a: Annotation | None, rep) -> dict | None:  # noqa: ANN001
        if a is None or rep is None:
            return None
        label = f"annotated: {method}" + (", inference window" if name == "inference" else "")
        return {"wire_load": logic_power(rep, internal_power(nl, lib, a.pins, period_ns),
                                         label + ", Liberty wire-load model (no SPEF)", wl.log),
                "clock_network_wire_load": cells_power(
                    wl.instances.get(name), nl, lib, a, period_ns, cells,
                    label + ", Liberty wire-load model", wl.log)}

    return {"spef": str(run.spef) if run.spef else None,
            "parasitics": "OpenROAD estimate_parasitics from the global routes "
                          "(postroute.parasitics outputs/<top>.spef)",
            "training_step": window("annotated", ann, wl.annotated),
            "inference": window("inference", ann_inf, wl.extra.get("inference")),
            "wire_load_log": str(wl.log)}
