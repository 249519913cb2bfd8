"""The wheel carries templates, pdk_cfg and designs: install it in a fresh virtualenv and render
from outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build from a copy so that setuptools' build/ and egg-info never land in the checkout.
    src = tmp_path_factory.mktemp("src") / "eqchip"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=repo_root,
                           capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        if (repo_root / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo_root / rel, src / rel)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(src)], check=True)
    (whl,) = dist.glob("eqchip-*.whl")
    return whl


def test_wheel_contains_every_module(wheel: Path, repo_root: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {"eqchip/" + p.relative_to(repo_root / "flow" / "eqchip").as_posix()
               for p in (repo_root / "flow" / "eqchip").rglob("*.py")}
    assert modules - names == set(), "add the sub-package to [tool.setuptools] packages"


def test_wheel_contains_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "eqchip/cli.py" in names
    assert "eqchip/_data/designs/small.yaml" in names
    assert "eqchip/_data/pdk_cfg/mram/stt_sky130.yaml" in names
    assert any(n.startswith("eqchip/_data/templates/rtl/") and n.endswith(".sv.j2")
               for n in names)


@pytest.mark.slow
def test_wheel_installs_and_renders_outside_checkout(wheel: Path, tmp_path: Path,
                                                      repo_root: Path) -> None:
    venv = tmp_path / "venv"
    # Dependencies come from the system site-packages; the wheel itself goes into the venv.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py, exe = venv / "bin" / "python", venv / "bin" / "eqchip"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    # the installed wheel, not a checkout a PYTHONPATH of the caller may point at
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(py), "-c", "import eqchip, eqchip.resources as r;"
                            "print(eqchip.__file__); print(r.templates_dir())"],
                           cwd=work, capture_output=True, text=True, check=True,
                           env=env).stdout.split()
    assert all(str(venv) in w for w in where), where
    assert subprocess.run([str(exe), "--help"], cwd=work, capture_output=True,
                          env=env).returncode == 0
    for design in ("small", str(repo_root / "designs" / "digits.yaml")):
        out = work / Path(design).stem
        proc = subprocess.run([str(exe), "render", design, "-o", str(out)], cwd=work,
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert list((out / "rtl").glob("*.sv")), proc.stdout
