"""Design and technology configuration: models, loading, validation, derived architecture."""

from eqchip.config.arch import Arch, MatrixArch, derive
from eqchip.config.design import Design
from eqchip.config.loader import LoadedDesign, design_json_schema, load_design
from eqchip.config.mram_tech import MramTech, load_mram_tech

__all__ = ["Arch", "MatrixArch", "derive", "Design", "LoadedDesign", "design_json_schema",
           "load_design", "MramTech", "load_mram_tech"]
