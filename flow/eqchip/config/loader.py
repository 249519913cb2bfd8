"""Load a design file: YAML -> validated `Design` -> consistency rules -> derived `Arch`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from eqchip.config.arch import Arch, derive
from eqchip.config.consistency import design_problems
from eqchip.config.design import Design
from eqchip.config.mram_tech import MramTech, load_tech, mram_tech_path
from eqchip.config.validate import validate_source
from eqchip.config.yamlsrc import format_loc, load_yaml
from eqchip.errors import ConfigError
from eqchip.resources import designs_dir


@dataclass(frozen=True)
class LoadedDesign:
    path: Path
    design: Design
    tech: MramTech
    arch: Arch
    sha256: str
    tech_path: Path               # the MRAM technology file `mram.technology` names
    tech_sha256: str              # sha256 of the bytes `tech` was read from

    @property
    def name(self) -> str:
        return self.design.name

    @property
    def tech_file(self) -> str:
        """The technology file as figure sources name it: `pdk_cfg/mram/<name>.yaml` for a
        shipped one, else its path."""
        shipped = mram_tech_path(self.tech.name)
        if self.tech_path.resolve() == shipped.resolve():
            return f"pdk_cfg/mram/{shipped.name}"
        return str(self.tech_path)


def resolve_design_path(arg: Path | str) -> Path:
    """A path to a YAML file, or the bare name of a design shipped with eqchip (`small`)."""
    path = Path(arg)
    if not path.exists() and path.suffix == "" and len(path.parts) == 1:
        shipped = designs_dir() / f"{path.name}.yaml"
        if shipped.is_file():
            return shipped
    return path


def load_design(path: Path | str, pdk_cfg: Path | None = None) -> LoadedDesign:
    path = resolve_design_path(path)
    if not path.is_file():
        shipped = sorted(p.stem for p in designs_dir().glob("*.yaml")
                         if p.stem != "regress_rules")
        what = "is a directory, not a design file" if path.is_dir() else \
            ("exists but is not a regular file" if path.exists() else "no such design file")
        raise ConfigError(f"{path}: {what}",
                          hint=f"give the path of a design YAML file or the name of a shipped "
                               f"design ({', '.join(shipped)})")
    src = load_yaml(path, what="design YAML file")
    design = validate_source(src, Design, what="design")
    try:
        tf = load_tech(design.mram.technology, base=path.parent, root=pdk_cfg)
    except ConfigError as exc:
        line = src.line_of(("mram", "technology"))
        raise ConfigError(f"{path}:{line}: mram.technology: {exc.message}", exc.hint) from None
    tech = tf.tech
    problems = design_problems(design, tech)
    if problems:
        lines = [f"{path}: inconsistent design ({len(problems)} problem"
                 f"{'s' if len(problems) != 1 else ''}):"]
        for loc, msg in problems:
            lines.append(f"  {path}:{src.line_of(loc)}: {format_loc(loc)}: {msg}")
        raise ConfigError("\n".join(lines))
    return LoadedDesign(path=path, design=design, tech=tech, arch=derive(design, tech),
                        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                        tech_path=tf.path, tech_sha256=tf.sha256)


def design_json_schema() -> dict:
    schema = Design.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "eqchip design"
    return schema
