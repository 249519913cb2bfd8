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


def pdk_root_from_env(env: Mapping[str, str] | None = None) -> Path | None:
    """PDK_ROOT of the environment (`env`, default os.environ), stripped and with `~`
    expanded; None when it is unset or empty. The one rule every module reads PDK_ROOT by."""
    value = (os.environ if env is None else env).get("PDK_ROOT", "").strip()
    return Path(value).expanduser() if value else None
