"""The comparison section: this design per synapse next to a reference design's build.

The reference is another build folder of the same build root (`<root>/<reference>/`, normally
the reference design's name; `report.compare_with` in the design, or `eqchip report
--compare-with`). Both sides are read the same way: their typed build records (build_state.json,
metrics.json and the activity and power they name) through `eqchip.report.analysis.compose`,
and, for the accuracy, the training summary `eqchip train DESIGN -o <build>/train` writes there
(`train/summary.json`). A missing reference build or summary is a note, never an error.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from eqchip.config import LoadedDesign
from eqchip.report.analysis import Analysis

TRAIN_SUMMARY = Path("train") / "summary.json"

_MRAM_PARTS = ("mram_read", "mram_write", "mram_leakage", "mram_stochastic_write")
_LOGIC_PARTS = ("logic_dynamic", "logic_leakage")


class TrainSummary(BaseModel):
    """The head of `eqchip train`'s summary.json that the comparison uses."""

    model_config = ConfigDict(extra="allow")

    design: str
    epochs: int
    final_test_acc: float
    update_rounding: str = "nearest"
    n_test: int | None = None
    dataset: str | None = None
    design_sha256: str | None = None


def read_train_summary(build_dir: Path) -> tuple[TrainSummary | None, str | None]:
    """(summary, None) or (None, note why there is none)."""
    path = Path(build_dir) / TRAIN_SUMMARY
    if not path.is_file():
        return None, (f"no training summary {path}: accuracy not shown (run `eqchip train "
                      f"DESIGN -o {path.parent}`)")
    try:
        return TrainSummary.model_validate(json.loads(path.read_text(encoding="utf-8"))), None
    except (OSError, ValueError, ValidationError) as exc:
        return None, f"{path}: not a training summary ({str(exc).splitlines()[0]})"


def _per(total: float | None, n: int) -> float | None:
    return None if total is None else total / n


def side(label: str, build_dir: Path, loaded: LoadedDesign, metrics: dict, an: Analysis
         ) -> tuple[dict, list[str]]:
    """One column of the comparison: per-synapse energy and area, bits, accuracy."""
    a = loaded.arch
    n = a.n_synapses
    notes: list[str] = []
    inf = an.energy.inference.parts
    trn = an.energy.training.parts
    has_logic = bool(an.data.get("power"))
    area = metrics.get("area") or {}
    std, mac = area.get("stdcell_um2"), area.get("macros_um2")
    if not has_logic:
        notes.append(f"{label}: no logic power in its build: logic energy not shown")
    if std is None:
        notes.append(f"{label}: no synthesized area in its metrics.json: logic area not shown")
    train, note = read_train_summary(build_dir)
    if note:
        notes.append(f"{label}: {note}")
    row = {
        "label": label,
        "design": a.name,
        "build_dir": str(build_dir),
        "weight_bits": a.weight_bits,
        "word_bits": a.word_bits,
        "update_rounding": a.update_rounding,
        "n_synapses": n,
        "inference_logic_pj_per_synapse": _per(
            sum(inf[k].value for k in _LOGIC_PARTS) if has_logic else None, n),
        "inference_mram_pj_per_synapse": _per(
            sum(inf[k].value for k in _MRAM_PARTS if k in inf), n),
        "training_logic_pj_per_synapse": _per(
            sum(trn[k].value for k in _LOGIC_PARTS) if has_logic else None, n),
        "training_mram_pj_per_synapse": _per(
            sum(trn[k].value for k in _MRAM_PARTS if k in trn), n),
        "logic_um2_per_synapse": _per(float(std) if std is not None else None, n),
        "mram_um2_per_synapse": _per(float(mac) if mac is not None else None, n),
        "test_accuracy": train.final_test_acc if train else None,
        "accuracy_epochs": train.epochs if train else None,
        "accuracy_n_test": train.n_test if train else None,
        "sources": {"energy": "report energy parts of the build's records / n_synapses",
                    "area": f"{build_dir}/metrics.json area.stdcell_um2, area.macros_um2 / "
                            "n_synapses",
                    "accuracy": str(Path(build_dir) / TRAIN_SUMMARY) if train else None},
    }
    return row, notes


def accuracy_section(build_dir: Path, loaded: LoadedDesign, data: dict) -> dict:
    """report.json's `accuracy`: the bit-exact test accuracy of the latest `eqchip train DESIGN
    -o <build>/train` beside this build's energy per inference, with the test-set size; without
    a summary, the exact command that makes one."""
    command = f"eqchip train {loaded.path} -o {Path(build_dir) / TRAIN_SUMMARY.parent}"
    e = data["energy"]["figures"]
    out = {"test_accuracy": None, "n_test": None, "epochs": None, "dataset": None,
           "same_design": None, "source": None, "command": command, "note": None,
           "energy_per_inference": e.get("energy_per_inference"),
           "pj_per_synop_inference": e.get("pj_per_synop_inference")}
    train, note = read_train_summary(build_dir)
    if train is None:
        out["note"] = note
        return out
    path = Path(build_dir) / TRAIN_SUMMARY
    n = f", n = {train.n_test} test samples" if train.n_test else ""
    out.update(test_accuracy={"value": 100.0 * train.final_test_acc, "unit": "%",
                              "source": f"{path} final_test_acc (bit-exact golden model, "
                                        f"{train.epochs} epochs{n})"},
               n_test=train.n_test, epochs=train.epochs, dataset=train.dataset,
               same_design=train.design_sha256 == loaded.sha256
               if train.design_sha256 else None, source=str(path))
    if out["same_design"] is False:
        out["note"] = (f"{path} was trained from another version of {loaded.path} (sha256 "
                       f"{str(train.design_sha256)[:12]}, design {loaded.sha256[:12]}): "
                       f"retrain with `{command}`")
    elif train.n_test is None:
        out["note"] = f"{path} does not record the test-set size: retrain with `{command}`"
    return out


def comparison_section(this: dict, reference: dict | None, notes: list[str]) -> dict:
    """report.json's `comparison`: rows (this, reference) and the ratio this / reference."""
    ratios = {}
    if reference is not None:
        for k, v in this.items():
            r = reference.get(k)
            if k.endswith("_per_synapse") and isinstance(v, float) and isinstance(r, float) \
                    and r:
                ratios[k] = v / r
    return {"rows": [this] + ([reference] if reference is not None else []),
            "ratio_to_reference": ratios or None, "notes": notes}
