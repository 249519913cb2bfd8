"""Where eqchip's data folders are: the checkout's top level, or eqchip/_data in a wheel."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder `templates`, `pdk_cfg` or `designs`.

    In a checkout (or an editable install) they sit beside `flow/` (the package is
    `flow/eqchip/`); an installed wheel carries them under `eqchip/_data/`.
    """
    if name not in ("templates", "pdk_cfg", "designs"):
        raise ValueError(f"unknown data folder {name!r}")
    for candidate in (_PKG.parent.parent / name, _PKG / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"eqchip data folder {name!r} not found beside {_PKG}")


def templates_dir() -> Path:
    return data_dir("templates")


def pdk_cfg_dir() -> Path:
    return data_dir("pdk_cfg")


def designs_dir() -> Path:
    return data_dir("designs")


#: where `ciel enable` installs a PDK when PDK_ROOT is unset (ciel's own default, and where
#: scripts/setup.sh puts sky130)
CIEL_HOME = ".ciel"
#: the folder of an open_pdks sky130 install eqchip needs, relative to the PDK root
SKY130_STDCELLS = Path("sky130A") / "libs.ref" / "sky130_fd_sc_hd"


def ciel_default_root(env: Mapping[str, str] | None = None) -> Path:
    """ciel's default PDK root, ~/.ciel (HOME of `env` when it has one)."""
    home = (os.environ if env is None else env).get("HOME", "").strip()
    return (Path(home) if home else Path.home()) / CIEL_HOME


def pdk_root_from_env(env: Mapping[str, str] | None = None) -> Path | None:
    """The PDK root: PDK_ROOT of the environment (`env`, default os.environ), stripped and with
    `~` expanded, whenever it is set and not empty; else ciel's default root ~/.ciel when it
    holds the sky130 standard cells; else None. The one rule every module reads PDK_ROOT by."""
    value = (os.environ if env is None else env).get("PDK_ROOT", "").strip()
    if value:
        return Path(value).expanduser()
    ciel = ciel_default_root(env)
    return ciel if (ciel / SKY130_STDCELLS).is_dir() else None
