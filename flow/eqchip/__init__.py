"""eqchip: tapeout flow orchestrator for an MRAM-synapse Equilibrium Propagation accelerator."""

__version__ = "0.1.0"
