"""scripts/setup_pdk.sh (run by scripts/setup.sh) and where eqchip finds the PDK it installs.

ciel cannot fetch anything on a machine without network access (CI), so the fetch is replaced
by a stand-in through EQCHIP_CIEL_CMD: one that fails as ciel does offline, and one that lays
out the folders `ciel enable` creates. Everything else runs for real.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from eqchip.resources import pdk_root_from_env

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "setup_pdk.sh"
PINNED = "0fe599b2afb6708d281543108caf8310912f54af"


def _stub(tmp_path: Path, body: str) -> str:
    """A stand-in for `python -m ciel` that logs its arguments, then runs `body`."""
    stub = tmp_path / "ciel-stub"
    stub.write_text(f'#!/usr/bin/env bash\necho "$@" >> "{tmp_path}/ciel.log"\n{body}\n')
    stub.chmod(0o755)
    return str(stub)


def _setup(tmp_path: Path, stub: str, pdk_root: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PDK_ROOT"}
    env.update(HOME=str(tmp_path / "home"), EQCHIP_CIEL_CMD=stub)
    if pdk_root is not None:
        env["PDK_ROOT"] = pdk_root
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=120)


def test_existing_pdk_root_is_kept_without_fetching(tmp_path: Path, pdk_root: Path) -> None:
    proc = _setup(tmp_path, _stub(tmp_path, "exit 1"), str(pdk_root))
    assert proc.returncode == 0, proc.stderr
    assert f"found under PDK_ROOT={pdk_root}" in proc.stdout
    assert not (tmp_path / "ciel.log").exists()          # ciel never ran


def test_offline_setup_says_how_to_point_pdk_root_and_succeeds(tmp_path: Path) -> None:
    proc = _setup(tmp_path, _stub(tmp_path, 'echo "ConnectError: network unreachable" >&2; '
                                            "exit 255"), None)
    assert proc.returncode == 0, proc.stderr
    assert "the sky130 PDK could not be fetched" in proc.stderr
    assert "export PDK_ROOT=" in proc.stderr and "sky130A/libs.ref/sky130_fd_sc_hd" in proc.stderr
    args = (tmp_path / "ciel.log").read_text().split()
    assert args[:3] == ["enable", "--pdk-family", "sky130"] and args[-1] == PINNED
    assert args[args.index("--pdk-root") + 1] == str(tmp_path / "home" / ".ciel")
    # and a build then says the one thing that is missing
    env = {k: v for k, v in os.environ.items() if k != "PDK_ROOT"}
    env["HOME"] = str(tmp_path / "home")
    build = subprocess.run([sys.executable, "-m", "eqchip", "build", "small", "--build-dir",
                            str(tmp_path / "build")], env=env, capture_output=True, text=True,
                           timeout=120)
    assert build.returncode == 4, build.stderr
    assert "PDK_ROOT is not set" in build.stderr and "Traceback" not in build.stderr


def test_installed_pdk_is_found_in_ciels_default_root(tmp_path: Path) -> None:
    lay_out = ('root="$(echo "$@" | sed "s/.*--pdk-root \\([^ ]*\\).*/\\1/")"; '
               'mkdir -p "$root/ciel/sky130/versions/x/sky130A/libs.ref/sky130_fd_sc_hd"; '
               'ln -s ciel/sky130/versions/x/sky130A "$root/sky130A"')
    proc = _setup(tmp_path, _stub(tmp_path, lay_out), None)
    ciel = tmp_path / "home" / ".ciel"
    assert proc.returncode == 0, proc.stderr
    assert f"installed under {ciel}" in proc.stdout
    # eqchip's one rule: PDK_ROOT wins; unset, ciel's default root
    assert pdk_root_from_env({"HOME": str(tmp_path / "home")}) == ciel
    assert pdk_root_from_env({"HOME": str(tmp_path / "home"), "PDK_ROOT": "/elsewhere"}) == \
        Path("/elsewhere")
    assert pdk_root_from_env({"HOME": str(tmp_path / "nobody")}) is None
    again = _setup(tmp_path, _stub(tmp_path, "exit 1"), None)      # a rerun keeps it
    assert again.returncode == 0 and f"found under {ciel}" in again.stdout


def test_doctor_finds_the_pdk_in_ciels_default_root(tmp_path: Path, pdk_root: Path) -> None:
    ciel = tmp_path / "home" / ".ciel"
    ciel.mkdir(parents=True)
    (ciel / "sky130A").symlink_to(pdk_root / "sky130A")     # the layout `ciel enable` makes
    env = {k: v for k, v in os.environ.items() if k != "PDK_ROOT"}
    env.update(HOME=str(tmp_path / "home"), COLUMNS="250")
    proc = subprocess.run([sys.executable, "-m", "eqchip", "doctor"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 5), proc.stderr              # 5: no OpenROAD here
    assert f"sky130 PDK ({ciel}: ciel's default root, PDK_ROOT unset)" in proc.stdout
    assert "MISSING (required)" not in proc.stdout and "PDK:" not in proc.stderr


def test_pdk_root_without_a_pdk_is_where_ciel_installs(tmp_path: Path) -> None:
    lay_out = ('root="$(echo "$@" | sed "s/.*--pdk-root \\([^ ]*\\).*/\\1/")"; '
               'mkdir -p "$root/sky130A/libs.ref/sky130_fd_sc_hd"')
    target = tmp_path / "pdks"
    proc = _setup(tmp_path, _stub(tmp_path, lay_out), str(target))
    assert proc.returncode == 0, proc.stderr
    assert f"installed under {target}" in proc.stdout          # ciel's default: PDK_ROOT
    assert not (tmp_path / "home" / ".ciel").exists()
