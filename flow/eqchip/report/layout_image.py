"""A PNG picture of a layout (GDS/OASIS/DEF) rendered headless with KLayout's Python module."""

from __future__ import annotations

import tempfile
from pathlib import Path

LAYOUT_SUFFIXES = (".gds", ".gds.gz", ".oas", ".def")


def render_layout(path: Path, width: int = 800, height: int = 800,
                  lyp: Path | None = None, lef: list[Path] | None = None) -> bytes:
    """PNG bytes of the whole layout, all hierarchy levels."""
    import klayout.db as kdb
    import klayout.lay as klay

    view = klay.LayoutView()
    opts = kdb.LoadLayoutOptions()
    if path.suffix == ".def" and lef:
        opts.lefdef_config.lef_files = [str(p) for p in lef]
        opts.lefdef_config.read_lef_with_def = False
    view.load_layout(str(path), opts, True)
    if lyp is not None and lyp.is_file():
        view.load_layer_props(str(lyp))
    view.max_hier()
    view.zoom_fit()
    with tempfile.TemporaryDirectory(prefix="eqchip-layout-") as tmp:
        out = Path(tmp) / "layout.png"
        view.save_image(str(out), width, height)
        return out.read_bytes()
