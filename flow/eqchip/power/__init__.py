"""eqchip.power: switching activity and activity-annotated power of a synthesized netlist
(VCD parsing, gate-level simulation, activity propagation, OpenSTA power runs, internal power
from Liberty tables). Runs inside the build's `synthesis.power` node
(eqchip.asic.tasks.activity_power); `measure.measure()` writes what the report reads."""
