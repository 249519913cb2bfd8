"""The macro's ports: one list that every view (Verilog, Liberty, LEF, GDS) is written from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eqchip.macros.spec import MacroSpec

Direction = Literal["input", "output", "inout"]


@dataclass(frozen=True)
class Port:
    name: str
    direction: Direction
    width: int          # 1 = scalar, else a bus [width-1:0]
    bus: bool
    use: Literal["signal", "clock", "power", "ground"] = "signal"

    def bit_names(self) -> list[str]:
        if not self.bus:
            return [self.name]
        return [f"{self.name}[{i}]" for i in range(self.width)]


def signal_ports(spec: MacroSpec) -> tuple[Port, ...]:
    """Signal ports in interface order. ADDR/DIN/DOUT are buses even when one bit wide."""
    return (
        Port("CLK", "input", 1, False, "clock"),
        Port("CE", "input", 1, False),
        Port("WE", "input", 1, False),
        Port("ADDR", "input", spec.addr_bits, True),
        Port("DIN", "input", spec.bits, True),
        Port("DOUT", "output", spec.bits, True),
    )


POWER_PORTS = (Port("VPWR", "inout", 1, False, "power"), Port("VGND", "inout", 1, False, "ground"))
