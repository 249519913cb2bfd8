"""eqchip.sim: cocotb co-simulation of the rendered RTL against the golden model."""

from eqchip.sim.runner import (
    SIMULATORS,
    CosimMismatch,
    CosimResult,
    SimRun,
    run_cosim,
    run_testbench,
)

__all__ = ["SIMULATORS", "CosimMismatch", "CosimResult", "SimRun", "run_cosim", "run_testbench"]
