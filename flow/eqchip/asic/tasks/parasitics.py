"""The routed design's parasitics for post-route power, a node of the flow after the last
place-and-route step (`postroute.parasitics`).

An OpenROAD task like SC's own (`APRTask`: the same preamble reads the routed database, the
Liberty of every scenario, the SDC and the PDK's per-layer RC). Its script
(`pdk_cfg/sky130/openroad/eqchip_parasitics.tcl`) writes the wire parasitics OpenROAD
estimates from the global routes as SPEF (`outputs/<top>.spef`: the PDK has no OpenRCX deck,
so SC's write.views extracts none) and the routed netlist without the instances that have no
Liberty cell (fill and tap cells) as `outputs/<top>.vg`. It writes no design view
(`_add_pnr_outputs` is a no-op, as SC provides for analysis nodes), only these two files, which
the `postroute.power` node reads.
"""

from __future__ import annotations

from siliconcompiler.tools.openroad._apr import APRTask, OpenROADSTAParameter

from eqchip.resources import pdk_cfg_dir

STEP = "postroute.parasitics"
SCRIPT = "eqchip_parasitics.tcl"


class ParasiticsTask(APRTask, OpenROADSTAParameter):
    """Estimated parasitics (SPEF) and the power netlist of the routed design."""

    def task(self) -> str:
        return "eqchip_parasitics"

    def setup(self) -> None:
        super().setup()
        # an absolute path (dataroot=...: none; None would ask for the one active dataroot):
        # the refdir stays SC's OpenROAD scripts, whose preamble it sources
        self.set_script(str(pdk_cfg_dir() / "sky130" / "openroad" / SCRIPT), dataroot=...)
        self._set_reports([])

    def _add_pnr_outputs(self) -> None:
        self.add_output_file(ext="spef")
        self.add_output_file(ext="vg")
