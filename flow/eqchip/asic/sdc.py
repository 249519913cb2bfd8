"""The design's timing constraints (SDC) from its clock: one clock on port `clk`, host-bus
inputs and outputs budgeted a fraction of the period, a light output load."""

from __future__ import annotations

CLOCK_PORT = "clk"
#: input and output delays of the host-bus ports, each this fraction of the clock period
IO_FRACTION = 0.2


def sdc_text(period_ns: float, clock_port: str = CLOCK_PORT, io_fraction: float = IO_FRACTION,
             uncertainty_ns: float = 0.25, output_load_pf: float = 0.01) -> str:
    """SDC accepted by OpenSTA 2.x (Debian) and by SC's yosys/OpenROAD tasks."""
    io = round(period_ns * io_fraction, 4)
    return (
        "# eqchip: timing constraints generated from the design's clock.freq_mhz\n"
        f"create_clock -name core_clock -period {period_ns:.4f} [get_ports {{{clock_port}}}]\n"
        f"set_clock_uncertainty {uncertainty_ns} [get_clocks core_clock]\n"
        f"set eqchip_clk_port [get_ports {{{clock_port}}}]\n"
        "set eqchip_inputs [lsearch -inline -all -not -exact [all_inputs] $eqchip_clk_port]\n"
        f"set_input_delay {io} -clock [get_clocks core_clock] $eqchip_inputs\n"
        f"set_output_delay {io} -clock [get_clocks core_clock] [all_outputs]\n"
        f"set_load {output_load_pf} [all_outputs]\n"
    )

