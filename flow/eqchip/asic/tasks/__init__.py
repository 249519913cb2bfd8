"""eqchip's own SiliconCompiler tasks (one module per task, like SC's tools/<tool>/<task>.py)."""
