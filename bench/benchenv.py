"""What the bench scripts share: the environment their eqchip runs get."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def bench_env() -> dict[str, str]:
    """os.environ, with PDK_ROOT defaulting to the PDK in ../shared/pdk beside the checkout
    (where CI keeps it) when it is unset."""
    env = dict(os.environ)
    if not env.get("PDK_ROOT"):
        guess = REPO.parent / "shared" / "pdk"
        if guess.is_dir():
            env["PDK_ROOT"] = str(guess)
    return env
