"""eqchip.macros: MRAM macro views (Verilog, Liberty, LEF, GDS) generated from a technology file.

Public API: `MacroSpec`, `macro_for(arch, tech)`, `generate_macro_views(spec, out_dir)`,
`MacroViews`, `blackbox_verilog(spec)`, `behavioural_verilog(spec)`; checks in
`eqchip.macros.checks`."""

from eqchip.macros.spec import MacroSpec, macro_for
from eqchip.macros.verilog import behavioural_verilog, blackbox_verilog
from eqchip.macros.views import MacroViews, generate_macro_views

__all__ = ["MacroSpec", "macro_for", "generate_macro_views", "MacroViews",
           "behavioural_verilog", "blackbox_verilog"]
