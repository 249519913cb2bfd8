"""eqchip.report: PPA and energy reports of a build (docs/report.md).

    from eqchip.report import write_report, ReportPaths
    paths = write_report(Path("build/small"), "designs/small.yaml", vcd=Path("step.vcd"))
    # paths.json / paths.markdown / paths.html / paths.layout_png

Modules: vcd (VCD -> toggles), propagate (activity of every netlist net), power (OpenSTA,
vectorless and annotated), energy (pure energy model with provenance), analysis (everything
a report states), render/plots/layout_image (outputs).
"""

from eqchip.report.api import write_report, write_report_analysis
from eqchip.report.render import ReportPaths

__all__ = ["ReportPaths", "write_report", "write_report_analysis"]
