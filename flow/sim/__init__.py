"""eqchip.sim: cocotb co-simulation of the rendered RTL against the golden model."""

from eqchip.sim.runner import SIMULATORS, CosimMismatch, CosimResult, run_cosim

__all__ = ["SIMULATORS", "CosimMismatch", "CosimResult", "run_cosim"]
