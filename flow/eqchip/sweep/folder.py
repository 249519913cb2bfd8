"""What a sweep folder holds besides its points: which sweep it belongs to (`sweep.json`) and
the run's outputs (table, plots, best design), which are removed when a run starts and
written again at its end, so outputs that are there describe a run that finished.

One folder, one sweep: a sweep named differently from the one recorded in the folder is
refused (its points would mix with the other sweep's table); the same sweep with new axis
values or settings reruns there and keeps its finished points."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from eqchip.errors import OutputError
from eqchip.fileio import remove_outputs, write_text_atomic

FOLDER_RECORD = "sweep.json"
#: a run's outputs, removed in this order when a run starts (results.json, the typed record,
#: first: a folder without it holds no finished run)
OUTPUT_FILES = ("results.json", "results.csv", "sweep.html", "sweep.png", "best.yaml")


class FolderRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sweep: str                        # the sweep's name
    sweep_file: str                   # the sweep YAML that last ran here
    base: str                         # its base design


def _recorded_sweep(out_dir: Path) -> tuple[str, Path] | None:
    """The name of the sweep the folder belongs to and the file that says so (sweep.json, or
    the results.json of a folder written before sweep.json existed); None: no sweep yet."""
    from eqchip.sweep.table import read_table

    rec = out_dir / FOLDER_RECORD
    try:
        return FolderRecord.model_validate_json(rec.read_bytes()).sweep, rec
    except (OSError, ValueError, ValidationError):
        pass
    results = out_dir / OUTPUT_FILES[0]
    try:
        return read_table(results).sweep, results
    except (OSError, ValueError, ValidationError):
        return None


def claim_folder(out_dir: Path, sweep: str, sweep_file: Path | str, base: Path) -> None:
    """Refuse a folder of another sweep; record this sweep as the folder's, and remove the
    outputs of the last run (they describe other points, or this run until it finishes)."""
    out_dir = Path(out_dir)
    held = _recorded_sweep(out_dir)
    if held is not None and held[0] != sweep:
        raise OutputError(
            f"{out_dir} holds the results of sweep {held[0]!r} ({held[1].name}); this is sweep "
            f"{sweep!r}: its table would replace the other's",
            hint="give this sweep its own folder (-o DIR), or move that folder away first")
    text = FolderRecord(sweep=sweep, sweep_file=str(sweep_file),
                        base=str(base)).model_dump_json(indent=2) + "\n"
    rec = out_dir / FOLDER_RECORD
    if not rec.is_file() or rec.read_text(encoding="utf-8") != text:
        write_text_atomic(rec, text)
    remove_outputs(*(out_dir / name for name in OUTPUT_FILES))
