"""eqchip.report: PPA and energy reports of a build (docs/report.md).

    from eqchip.report import write_report, ReportPaths
    paths = write_report(Path("build/small"))     # the design from build_state.json
    # paths.json / paths.markdown / paths.html / paths.layout_png

A pure reader of the build's typed records (eqchip.asic.state: build_state.json and
metrics.json, and the synthesis.power node's activity_power.json they point to): no process,
no regenerated view. Modules: api (entry point), analysis (compose the document), energy (pure
energy model with provenance), sections / postlayout (report sections), preestimates (the
clock-tree and wire estimates before layout, from estimates; the MRAM sensitivity table, from
sensitivity), render / plots / layout_image (outputs).
"""

from eqchip.report.api import write_report, write_report_analysis
from eqchip.report.render import ReportPaths

__all__ = ["ReportPaths", "write_report", "write_report_analysis"]
