"""Reading the MRAM macro views a build uses: the macro's liberty area, and the views'
completion marker (macro.json) while they are regenerated."""

from __future__ import annotations

from pathlib import Path

import pytest

from eqchip.asic.macro_views import SC_TO_TECH_PREFIX, liberty_area
from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, LIBERTY
from eqchip.config import load_mram_tech
from eqchip.errors import EqchipError
from eqchip.macros import MacroSpec, generate_macro_views

LIB = """library (mram) {
  cell ("no_area_cell") {
    pin (A) { direction : input; capacitance : 0.002; }
    dont_use : true;
  }
  cell ("with_area") {
    area : 1234.5;
    pin (Q) { direction : output; }
  }
  cell (nested_area) {
    pin (D) { area : 99.0; direction : input; }
    area : 42.25;
  }
}
"""


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    path = tmp_path / "mram.lib"
    path.write_text(LIB)
    return path


def test_area_of_a_cell_comes_from_its_own_group(lib: Path) -> None:
    assert liberty_area(lib, "with_area") == 1234.5
    # not the 99.0 of a pin group inside the cell, and not fooled by the order
    assert liberty_area(lib, "nested_area") == 42.25


def test_cell_without_area_is_none_not_the_next_cells(lib: Path) -> None:
    assert liberty_area(lib, "no_area_cell") is None
    assert liberty_area(lib, "absent_cell") is None


def test_generated_macro_liberty_area_matches_its_floorplan(pdk_root: Path,
                                                            tmp_path: Path) -> None:
    views = generate_macro_views(MacroSpec(16, 32, load_mram_tech("stt_sky130")), tmp_path,
                                 pdk_root, gds=False)
    import json

    summary = json.loads(views.json.read_text())
    for path in views.liberty.values():
        assert liberty_area(path, views.spec.name) == pytest.approx(summary["area_um2"])


def test_corner_names_are_one_mapping() -> None:
    assert {SC_TO_TECH_PREFIX[sc] for sc in LIBERTY} == set(DESIGN_CORNER_TO_SC)
    for design, sc in DESIGN_CORNER_TO_SC.items():
        assert SC_TO_TECH_PREFIX[sc] == design


def test_interrupted_regeneration_leaves_no_completion_marker(pdk_root: Path,
                                                              tmp_path: Path) -> None:
    """macro.json says the views are complete: it goes first and is written last, so a
    regeneration that fails half-way leaves no marker beside a mix of old and new views."""
    spec = MacroSpec(16, 32, load_mram_tech("stt_sky130"))
    views = generate_macro_views(spec, tmp_path, pdk_root, gds=False)
    assert views.json.is_file()
    # the LEF path is a folder now: writing the LEF fails after the Verilog and liberty
    views.lef.unlink()
    views.lef.mkdir()
    with pytest.raises((OSError, EqchipError)):
        generate_macro_views(spec, tmp_path, pdk_root, gds=False)
    assert not views.json.exists()
    views.lef.rmdir()
    again = generate_macro_views(spec, tmp_path, pdk_root, gds=False)
    assert again.json.is_file() and again.lef.is_file()
