"""`eqchip report`'s outputs (issue 23): a report that fails leaves the previous one untouched,
its three files are written all or nothing, it never writes into a handoff package, damaged
records are one-line errors; and a moved or copied build folder reports (and hands off) its
own files."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eqchip.buildlock import LOCK_NAME
from eqchip.config import load_design

REPO = Path(__file__).resolve().parent.parent
OLD = {f"report.{ext}": f"the previous report ({ext})\n" for ext in ("json", "md", "html")}


def _eqchip(*args: str, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run([sys.executable, "-m", "eqchip", *args], capture_output=True,
                          text=True, timeout=600, cwd=REPO, **kw)


def _old_report(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in OLD.items():
        (folder / name).write_text(text)


def _untouched(folder: Path) -> bool:
    return {p.name: p.read_text() for p in folder.iterdir()} == OLD


def test_failed_report_leaves_the_previous_one_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_report(out)
    proc = _eqchip("report", str(tmp_path / "no_such_build"), "--design",
                   "designs/small.yaml", "-o", str(out))
    assert proc.returncode == 1 and "does not exist" in proc.stderr, proc.stderr
    assert _untouched(out)
    build = tmp_path / "small"                        # a damaged build, reported in place
    _old_report(build)
    (build / "metrics.json").write_text("{ damaged")
    proc = _eqchip("report", str(build), "--design", "designs/small.yaml")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    (build / "metrics.json").unlink()
    (build / LOCK_NAME).unlink()
    assert _untouched(build)


@pytest.mark.parametrize("name", ["metrics.json", "build_state.json"])
def test_deeply_nested_record_is_a_one_line_error(tmp_path: Path, name: str) -> None:
    build = tmp_path / "small"
    build.mkdir()
    sha = load_design("small").sha256
    (build / "metrics.json").write_text(json.dumps({"design_sha256": sha}))
    deep = "[" * 50_000 + "]" * 50_000
    (build / name).write_text(f'{{"design_sha256": "{sha}", "x": {deep}}}')
    proc = _eqchip("report", str(build), "--design", "designs/small.yaml")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-800:]
    assert f"{build / name}: the " in proc.stderr and "nested too deeply" in proc.stderr


@pytest.mark.parametrize("doc", ["[]", "null"])
def test_metrics_that_are_not_an_object_are_damaged_not_stale(tmp_path: Path, doc: str) -> None:
    build = tmp_path / "small"
    build.mkdir()
    (build / "metrics.json").write_text(doc)
    proc = _eqchip("report", str(build), "--design", "designs/small.yaml")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "damaged" in proc.stderr and "stale" not in proc.stderr, proc.stderr


def test_report_refuses_a_handoff_package(tmp_path: Path) -> None:
    """`eqchip report` on a package's reports folder rewrote it and left a lock file, so the
    package failed `eqchip handoff --verify`."""
    from eqchip.fileio import sha256_file
    from eqchip.handoff.package import verify_handoff

    pkg = tmp_path / "pkg"
    _old_report(pkg / "reports")
    (pkg / "design").mkdir()
    shutil.copyfile(REPO / "designs" / "small.yaml", pkg / "design" / "small.yaml")
    files = [{"path": p.relative_to(pkg).as_posix(), "sha256": sha256_file(p),
              "role": "design" if p.parent.name == "design" else "reports"}
             for p in sorted(pkg.rglob("*")) if p.is_file()]
    (pkg / "manifest.json").write_text(json.dumps({
        "schema": "eqchip.handoff/1", "kind": "pre-layout", "design": "small",
        "design_sha256": sha256_file(pkg / "design" / "small.yaml"), "files": files}))
    (pkg / "SHA256SUMS").write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in files)
                                    + f"{sha256_file(pkg / 'manifest.json')}  manifest.json\n")
    assert verify_handoff(pkg) == []
    for args in ([str(pkg / "reports")], [str(tmp_path), "-o", str(pkg / "reports")]):
        proc = _eqchip("report", *args, "--design", "designs/small.yaml")
        assert proc.returncode == 6 and "Traceback" not in proc.stderr, proc.stderr
        assert f"lies in the handoff package {pkg}" in proc.stderr
        assert verify_handoff(pkg) == []
    assert not (pkg / "reports" / LOCK_NAME).exists() and _untouched(pkg / "reports")


FSIZE = 30_000          # report.md (3 kB) and report.json (20 kB) fit, report.html (39 kB) not


def _limit_file_size() -> None:
    # a file may not grow beyond 30 kB (Python ignores SIGXFSZ: the write fails with EFBIG,
    # as it fails with ENOSPC on a nearly full disk)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE, FSIZE))


def test_report_files_are_written_all_or_nothing(tmp_path: Path) -> None:
    """report.md (small) fits, report.html (inline figures) does not: nothing of the new report
    may appear, the previous one stays whole, no temporary file is left."""
    out = tmp_path / "out"
    _old_report(out)
    code = ("import sys\nfrom eqchip.report import write_report\n"
            "write_report(sys.argv[1], 'designs/small.yaml', out_dir=sys.argv[2], "
            "without_build=True)\n")
    build = tmp_path / "nobuild"
    build.mkdir()
    proc = subprocess.run([sys.executable, "-c", code, str(build), str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=600,
                          preexec_fn=_limit_file_size)
    assert proc.returncode != 0
    assert "OutputError: cannot write" in proc.stderr and "report.html" in proc.stderr, \
        proc.stderr[-1500:]
    assert _untouched(out), sorted(p.name for p in out.iterdir())
    # without the limit the same call writes the whole new report
    proc = subprocess.run([sys.executable, "-c", code, str(build), str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert os.path.getsize(out / "report.html") > FSIZE > os.path.getsize(out / "report.md")
    assert sorted(p.name for p in out.iterdir()) == sorted(OLD)
    assert json.loads((out / "report.json").read_text())["design"]["name"] == "small"


# --- a moved and a copied build folder (the session's build of small) -------------------------

def _inside(path: str | None, folder: Path) -> bool:
    return path is None or Path(path).is_relative_to(folder)


@pytest.mark.slow
def test_moved_build_folder_reports_and_hands_off_its_own_files(small_build: Path,
                                                                tmp_path: Path) -> None:
    """A `cp -a` copy read the original folder's data; moved, report exited 1 and handoff 6."""
    copy = tmp_path / "copy" / "small"
    shutil.copytree(small_build, copy, symlinks=True)
    moved = tmp_path / "moved" / "small"
    moved.parent.mkdir()
    copy.rename(moved)
    proc = _eqchip("report", str(moved))
    assert proc.returncode == 0, proc.stderr[-1500:]
    sources = json.loads((moved / "report.json").read_text())["sources"]
    assert sources["netlist"] is not None
    assert all(_inside(sources[k], moved) for k in ("netlist", "sdc", "vcd",
                                                    "activity_power", "layout")), sources
    pkg = tmp_path / "pkg"
    proc = _eqchip("handoff", "small", "--build-dir", str(moved), "-o", str(pkg),
                   "--pre-layout")
    assert proc.returncode == 0, proc.stderr[-1500:]
    netlist = next(pkg.glob("netlist/synthesis/*.vg"))
    assert netlist.read_bytes() == Path(sources["netlist"]).read_bytes()
    assert _eqchip("handoff", "small", "-o", str(pkg), "--verify").returncode == 0
