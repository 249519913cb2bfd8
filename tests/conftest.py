"""Shared pytest fixtures: where the repository, designs and PDK are, the session's build of
designs/small.yaml, a local Slurm cluster; and the grouping of tests for pytest-xdist."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SmallBuild:
    """`eqchip build designs/small.yaml --build-dir <root>` as run once for the session."""

    root: Path                   # the --build-dir
    proc: subprocess.CompletedProcess[str]

    @property
    def dir(self) -> Path:       # <root>/small
        return self.root / "small"


@pytest.fixture(scope="session")
def small_build_run(pdk_root: Path, tmp_path_factory: pytest.TempPathFactory) -> SmallBuild:
    """THE build of designs/small.yaml for the session: `eqchip build` with its report, as far
    as this machine's tools go (exit 5 where OpenROAD is missing). Every test that needs small
    built unchanged uses it (test_build, test_handoff, test_report, test_regress_e2e, ...); one
    build takes a minute or more, so no test builds small again unless rebuilding is what it
    checks.

    Tests read it. A test that reruns the build in place (nothing changed: SiliconCompiler
    resumes, a few seconds) must leave it as it found it; a test that changes anything copies
    it first (`shutil.copytree(..., symlinks=True)`). A copy does not resume: SiliconCompiler's
    manifests and build_state.json hold the absolute paths of this folder, so building into a
    copy reruns every step and the copy's records point into this folder until then.
    Under pytest-xdist all its users run on one worker (see `pytest_collection_modifyitems`)."""
    root = tmp_path_factory.mktemp("small_build")
    proc = subprocess.run([sys.executable, "-m", "eqchip", "build",
                           str(REPO / "designs" / "small.yaml"), "--build-dir", str(root)],
                          cwd=root, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "COLUMNS": "200"})
    # exit 5: stopped where OpenROAD is missing; 0: the whole flow ran
    assert proc.returncode in (0, 5), proc.stdout + proc.stderr
    return SmallBuild(root, proc)


@pytest.fixture(scope="session")
def small_build(small_build_run: SmallBuild) -> Path:
    """<root>/small of the session's build of designs/small.yaml (see `small_build_run`)."""
    return small_build_run.dir


#: environment variable naming the folder of the `openroad` executable the routed tests use
OPENROAD_ENV = "EQCHIP_TEST_OPENROAD"
#: the OpenROAD build kept for this project's machines (test infrastructure, like ../shared/pdk)
SHARED_OPENROAD = REPO.parent / "shared" / "tools" / "openroad" / "install.sh"


def find_openroad_dir() -> tuple[Path | None, str]:
    """The folder of a real `openroad` and KLayout for the routed tests, or None and why not:
    $EQCHIP_TEST_OPENROAD (`.ci/run` sets it from ../shared/tools/openroad), else the shared
    build's install.sh (unpacks once into a cache), else an `openroad` on PATH."""
    import shutil

    if shutil.which("klayout") is None:
        return None, "KLayout is not installed (scripts/setup.sh installs it)"
    env = os.environ.get(OPENROAD_ENV)
    if env:
        exe = Path(env) / "openroad"
        if not os.access(exe, os.X_OK):
            return None, f"${OPENROAD_ENV}={env} holds no executable openroad"
        return Path(env), ""
    if SHARED_OPENROAD.is_file():
        proc = subprocess.run(["bash", str(SHARED_OPENROAD)], capture_output=True, text=True,
                              timeout=900, check=False)
        if proc.returncode == 0 and proc.stdout.strip():
            return Path(proc.stdout.strip().splitlines()[-1]), ""
        return None, f"{SHARED_OPENROAD} failed: {proc.stderr.strip()[-300:]}"
    found = shutil.which("openroad")
    if found:
        return Path(found).parent, ""
    return None, ("no OpenROAD: set $EQCHIP_TEST_OPENROAD to the folder of an openroad "
                  "executable (see README: installing the tools)")


@pytest.fixture(scope="session")
def openroad_dir() -> Path:
    """The folder of the real `openroad` the routed tests put first on their PATH (skips with
    the reason when there is none)."""
    found, why = find_openroad_dir()
    if found is None:
        pytest.skip(why)
    return found


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


# --- pytest-xdist -----------------------------------------------------------------------------
# Fixtures of module or session scope are made once per worker process. Tests that share one
# (through any fixture they use) are put in one `xdist_group`, so that with `--dist loadgroup`
# they all run on one worker and it is made once: the build of small, a sweep, the Slurm
# cluster (its daemons are started once). Without xdist the marks change nothing.

#: shared fixtures that are cheap to make in every worker
#: (test_cosim's work folder and design files: each worker makes its own, and a simulator
#: build is reused only when the same worker runs the next test of that design)
_CHEAP = frozenset({"repo_root", "designs_dir", "pdk_root", "tmp_path_factory", "worker_id",
                    "testrun_uid", "monkeypatch", "capsys", "request",
                    "cosim_work", "stress_yaml", "stoch_yaml", "mtj_yaml"})


def _shared_fixtures(item: pytest.Item) -> list[str]:
    """Keys of the module/session-scoped fixtures `item` uses (directly or not)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    keys = []
    for name, defs in info.name2fixturedefs.items():
        if name in _CHEAP or not defs:
            continue
        d = defs[-1]
        if d.scope in ("module", "package", "session", "class"):
            keys.append(f"{d.baseid}::{name}")
    return keys


@pytest.hookimpl(tryfirst=True)       # before xdist turns the marks into work units
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    used = {item.nodeid: _shared_fixtures(item) for item in items}
    for keys in used.values():                 # fixtures used by one test: one group
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
    for item in items:
        keys = used[item.nodeid]
        if keys:
            item.add_marker(pytest.mark.xdist_group(find(keys[0])))
