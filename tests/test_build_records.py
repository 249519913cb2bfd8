"""The typed build records (build_state.json, metrics.json), the one stale-build check and the
input fingerprint that lets an unchanged rebuild reuse its results. Fast: no EDA tool runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eqchip.asic.fingerprint import fingerprint
from eqchip.asic.state import (
    STATE_FILE,
    BuildState,
    NodeRecord,
    Views,
    check_current,
    read_metrics,
    read_state,
)
from eqchip.errors import EqchipError


def _state(tmp_path: Path) -> BuildState:
    return BuildState(design="small", design_path=tmp_path / "small.yaml",
                      design_sha256="a" * 64, top="small_top", corner="tt",
                      sc_corner="typical", pdk_root=tmp_path / "pdk", job="job0",
                      job_dir=tmp_path / "job0", manifest=None, flow="eqchip-asicflow",
                      nodes=[NodeRecord(step="elaborate", tool="slang", task="elaborate",
                                        status="success")],
                      completed=["elaborate"], macro=None,
                      views=Views(def_=tmp_path / "x.def", sdc=tmp_path / "small.sdc"))


def test_build_state_round_trip_and_located_errors(tmp_path: Path) -> None:
    st = _state(tmp_path)
    path = st.write(tmp_path)
    assert path == tmp_path / STATE_FILE
    doc = json.loads(path.read_text())
    assert doc["schema"] == "eqchip.build-state/2" and doc["views"]["def"] == "x.def"
    assert read_state(tmp_path) == st
    doc["nodes"][0].pop("tool")
    path.write_text(json.dumps(doc))
    with pytest.raises(EqchipError, match=r"build_state.json: nodes\.0\.tool: Field required"):
        read_state(tmp_path)
    path.write_text("{ not json")
    with pytest.raises(EqchipError, match="not valid JSON") as err:
        read_state(tmp_path)
    assert "eqchip build" in (err.value.hint or "")


def test_build_folder_is_relocatable(tmp_path: Path) -> None:
    """Issue 23: build_state.json held absolute paths, so a moved folder's report and handoff
    broke and a copy's silently read the original's files. Paths inside the build folder are
    recorded relative to it and resolved against the folder the record is read from."""
    build = tmp_path / "a" / "small"
    build.mkdir(parents=True)
    st = _state(build).model_copy(update={"pdk_root": tmp_path / "pdk",
                                          "manifest": build / "job0" / "small.pkg.json"})
    st.write(build)
    doc = json.loads((build / STATE_FILE).read_text())
    assert doc["job_dir"] == "job0" and doc["manifest"] == "job0/small.pkg.json"
    assert doc["views"]["sdc"] == "small.sdc" and doc["pdk_root"] == str(tmp_path / "pdk")
    moved = tmp_path / "b" / "small"
    moved.parent.mkdir()
    build.rename(moved)
    got = read_state(moved)
    assert got.job_dir == moved / "job0" and got.views.def_ == moved / "x.def"
    assert got.manifest == moved / "job0" / "small.pkg.json"
    assert got.pdk_root == tmp_path / "pdk"
    # read through a relative path: still absolute paths into the folder
    cwd = os.getcwd()
    os.chdir(tmp_path / "b")
    try:
        assert read_state(Path("small")).views.sdc == moved / "small.sdc"
    finally:
        os.chdir(cwd)


def test_moved_folder_with_an_absolute_record_is_refused(tmp_path: Path) -> None:
    """A record of the older format (absolute paths) in a moved folder names the old place."""
    build = tmp_path / "a" / "small"
    build.mkdir(parents=True)
    doc = json.loads(_state(build).model_dump_json(by_alias=True))
    (build / STATE_FILE).write_text(json.dumps(doc))
    assert read_state(build).job_dir == build / "job0"          # not moved: read as it is
    moved = tmp_path / "b"
    build.rename(moved)
    with pytest.raises(EqchipError, match=r"build_state.json: job_dir .*/a/small/job0 is not "
                                          r"in .*/b: the build folder was moved or copied"):
        read_state(moved)


def test_deeply_nested_records_are_damaged_files(tmp_path: Path) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    for name, reader in ((STATE_FILE, read_state), ("metrics.json", read_metrics)):
        (tmp_path / name).write_text(deep)
        with pytest.raises(EqchipError, match=f"{name}: the .* is not valid JSON \\(nested too "
                                              "deeply\\)"):
            reader(tmp_path)


def test_metrics_model_requires_its_head(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text(json.dumps({"schema": "eqchip.metrics/2"}))
    with pytest.raises(EqchipError, match="metrics.json: design: Field required"):
        read_metrics(tmp_path)


def test_one_stale_build_check() -> None:
    check_current(Path("m.json"), "b" * 64, "designs/small.yaml", "b" * 64)
    with pytest.raises(EqchipError, match="another version of designs/small.yaml") as err:
        check_current(Path("m.json"), "a" * 64, "designs/small.yaml", "b" * 64)
    assert "stale" in err.value.message and "eqchip build" in (err.value.hint or "")


def test_fingerprint_follows_every_input(tmp_path: Path) -> None:
    staged = tmp_path / "eqchip"
    (staged / "rtl").mkdir(parents=True)
    rtl = staged / "rtl" / "top.sv"
    rtl.write_text("module top; endmodule\n")
    pdk = tmp_path / "cells.lib"
    pdk.write_text("library (x) {}\n")
    tools = [("sta", "/usr/bin/sta", "2.0.17")]

    def fp(spec: object = ("small", 20.0), tools=tools, steps=("--jobname", "job0")) -> str:
        return fingerprint(spec, staged_dirs=[staged], pdk_files=[pdk], tools=tools,
                           steps=list(steps))

    base = fp()
    assert fp() == base                                      # nothing changed: reuse
    assert fp(spec=("small", 25.0)) != base                  # the project's spec
    assert fp(tools=[("sta", "/usr/bin/sta", "2.0.18")]) != base
    assert fp(steps=("synthesis", "--jobname", "job0")) != base
    st = rtl.stat()
    os.utime(rtl, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert fp() != base                                      # a staged file rewritten
    os.utime(rtl, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fp() == base
    pdk.write_text("library (longer) {}\n")
    assert fp() != base                                      # a PDK file changed
