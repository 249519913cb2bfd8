"""The comparison with published accelerators and MRAM compute-in-memory chips: the rows of the
package data file `eqchip/report/data/published.yaml` (each with its citation and where in the
paper its figure is stated) and this design's own figures beside them, node and precision
stated for every row."""

from __future__ import annotations

from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eqchip.config import LoadedDesign
from eqchip.errors import EqchipError

DATA = "data/published.yaml"


class PublishedFigure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    precision: str
    tops_per_w: float | str | None = None        # a number, or a published range "a-b"
    pj_per_mac: float | str | None = None
    um2_per_synapse: float | str | None = None
    from_: str = Field("", alias="from")


class PublishedRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    venue: str
    year: int
    citation: str
    authors: str | None = None
    kind: str
    node_nm: int
    figures: list[PublishedFigure]
    note: str = ""


class Published(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_: str = Field("", alias="schema")
    rows: list[PublishedRow]


def load_published() -> tuple[Published, str]:
    """The shipped data file, validated, and its name for sources."""
    ref = resources.files("eqchip.report").joinpath(DATA)
    name = f"eqchip/report/{DATA}"
    try:
        return Published.model_validate(yaml.safe_load(ref.read_text(encoding="utf-8"))), name
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as exc:
        raise EqchipError(f"{name}: not a valid list of published chips "
                          f"({str(exc).splitlines()[0]})",
                          hint="reinstall eqchip (the file ships with the package)") from None


def published_section(loaded: LoadedDesign, data: dict) -> dict:
    """report.json's `published`: this design's row (from the report's own figures) and the
    published rows, one per (paper, figure)."""
    pub, name = load_published()
    a = loaded.arch
    e = data["energy"]["figures"]
    area = data.get("area") or {}
    stage = data.get("energy_stage", "post-synthesis")

    def val(f: dict | None) -> float | None:
        return None if not f else f.get("value")

    this = {"name": f"this design ({a.name})", "venue": f"eqchip report, {stage}", "year": None,
            "citation": None, "kind": "digital EqProp training accelerator, MRAM synapse macros",
            "node_nm": 130,
            "precision": f"{a.weight_bits}-bit weights, {a.state_bits}-bit neuron states",
            "tops_per_w": val(e.get("tops_per_w_inference")),
            "pj_per_mac": val(e.get("pj_per_synop_inference")),
            "um2_per_synapse": val(area.get("per_synapse_um2")),
            "from": f"this report ({stage}, sky130 {loaded.design.pdk.corner}; inference)",
            "note": "training on chip as well (energy per training sample in the key figures)"}
    rows = [this]
    for r in pub.rows:
        for f in r.figures:
            rows.append({"name": r.name, "venue": r.venue, "year": r.year,
                         "citation": r.citation, "kind": r.kind, "node_nm": r.node_nm,
                         "precision": f.precision, "tops_per_w": f.tops_per_w,
                         "pj_per_mac": f.pj_per_mac, "um2_per_synapse": f.um2_per_synapse,
                         "from": f.from_, "note": r.note})
    return {"source": name, "rows": rows,
            "method": "published figures as the cited papers state them (where each is "
                      "stated: `from`); a figure not checked against the paper is left out. "
                      "Different nodes, precisions, workloads and operation counts: a "
                      "comparison of orders of magnitude, not a ranking"}
