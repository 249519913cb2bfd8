"""Abstract GDS of a macro (boundary, pin shapes and pin labels) via KLayout's Python module.

A hand-off view for viewers and for merging a real layout later; it contains no devices."""

from __future__ import annotations

from pathlib import Path

from eqchip.errors import ToolError
from eqchip.fileio import write_bytes_atomic
from eqchip.macros.floorplan import Floorplan
from eqchip.macros.spec import MacroSpec

# sky130 GDS layer numbers; datatypes 20 = drawing, 16 = pin, 5 = label.
SKY130_GDS = {"li1": 67, "met1": 68, "met2": 69, "met3": 70, "met4": 71, "met5": 72}
DRAWING, PIN, LABEL = 20, 16, 5
BOUNDARY = (235, 4)  # prBoundary


def write_gds(spec: MacroSpec, fp: Floorplan, path: Path) -> None:
    try:
        import klayout.db as kdb
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ToolError("the klayout Python module is missing; cannot write the GDS view",
                        hint="pip install klayout") from exc
    ly = kdb.Layout()
    ly.dbu = 0.001
    top = ly.create_cell(spec.name)
    top.shapes(ly.layer(*BOUNDARY)).insert(kdb.Box(0, 0, fp.width, fp.height))
    for pin in fp.pins:
        for s in pin.shapes:
            num = SKY130_GDS[s.layer]
            box = kdb.Box(s.x0, s.y0, s.x1, s.y1)
            top.shapes(ly.layer(num, DRAWING)).insert(box)
            top.shapes(ly.layer(num, PIN)).insert(box)
            top.shapes(ly.layer(num, LABEL)).insert(
                kdb.Text(pin.name, kdb.Trans(box.center().x, box.center().y)))
    tmp = path.with_name(f".{path.name}.klayout.tmp")
    try:
        opt = kdb.SaveLayoutOptions()
        opt.format = "GDS2"
        opt.gds2_write_timestamps = False  # reproducible bytes
        ly.write(str(tmp), opt)
        write_bytes_atomic(path, tmp.read_bytes())
    finally:
        tmp.unlink(missing_ok=True)
