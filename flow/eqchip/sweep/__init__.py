"""`eqchip sweep`: design-space exploration over design fields, each point trained bit-exactly
and built with its report, results in one table with the accuracy x energy x area Pareto front.

Modules: `spec` (the sweep YAML), `points` (grid, links, validation), `record` (one point's
result), `adapter` (the one call into the build), `worker` (one point, in its own process),
`runner` (all points, locally or through Slurm), `pareto`, `table`, `plots`, `progress`.
"""
