"""Shared pytest fixtures: where the repository, designs and PDK are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def designs_dir() -> Path:
    return REPO / "designs"


def _find_pdk_root() -> Path | None:
    env = os.environ.get("PDK_ROOT")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "pdk")
    for c in candidates:
        if (c / "sky130A" / "libs.ref" / "sky130_fd_sc_hd").is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def pdk_root() -> Path:
    root = _find_pdk_root()
    if root is None:
        pytest.skip("no sky130 PDK: set PDK_ROOT to an open_pdks install (see README)")
    os.environ["PDK_ROOT"] = str(root)
    return root


@pytest.fixture
def tmp_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


@pytest.fixture(scope="session")
def small_build(pdk_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/<design> of designs/small.yaml after `eqchip build --no-report` (the steps that
    run here). Shared by the tests that only read a build; copy it before changing anything."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("shared_build")
    proc = subprocess.run([sys.executable, "-m", "eqchip", "build", str(REPO / "designs" /
                                                                       "small.yaml"),
                           "--build-dir", str(root), "--no-report"], capture_output=True,
                          text=True)
    # exit 5: stopped where OpenROAD is missing; 0: the whole flow ran
    assert proc.returncode in (0, 5), proc.stdout + proc.stderr
    return root / "small"
