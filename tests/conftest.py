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


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A real single-node Slurm cluster (scripts/slurm-local.sh) for the session: SLURM_CONF
    points at it while it runs; the daemons it started are stopped by their pid files. Skips
    when the Slurm/munge programs are missing or we are not root (scripts/setup.sh installs
    them; CI runs as root)."""
    import shutil
    import socket
    import subprocess

    missing = [b for b in ("slurmctld", "slurmd", "srun", "sinfo", "munged")
               if shutil.which(b) is None]
    if missing:
        pytest.skip(f"Slurm not installed (missing {', '.join(missing)}): run scripts/setup.sh")
    if os.geteuid() != 0:
        pytest.skip("starting a local Slurm cluster needs root")
    with socket.socket() as s:            # a free port for slurmctld (slurmd takes the next)
        s.bind(("", 0))
        port = s.getsockname()[1]
    state = tmp_path_factory.mktemp("slurm")
    script = REPO / "scripts" / "slurm-local.sh"
    env = {**os.environ, "SLURM_LOCAL_PORT": str(port)}
    proc = subprocess.run(["bash", str(script), "start", str(state)], capture_output=True,
                          text=True, env=env, timeout=120)
    if proc.returncode != 0:
        subprocess.run(["bash", str(script), "stop", str(state)], timeout=120)
        raise RuntimeError(f"local Slurm cluster did not start: {proc.stderr}")
    old = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(state / "slurm.conf")
    try:
        yield state
    finally:
        subprocess.run(["bash", str(script), "stop", str(state)], timeout=120)
        if old is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = old
