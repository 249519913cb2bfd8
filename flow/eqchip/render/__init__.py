"""eqchip.render: design -> SystemVerilog (Jinja2 templates in templates/rtl/) and RTL lint."""

from eqchip.render.render import RenderResult, render_design, render_sources

__all__ = ["RenderResult", "render_design", "render_sources"]
