"""Bring your own MTJ: a design names its MRAM technology by path (relative to the design file)
as well as by the name of a shipped one; the file is read once, bounded, after its type is
checked (a directory, a symbolic link loop, a FIFO or a device is a clear one-line error, never
a hang); its name must be its file's stem; optional sections are optional; TMR may replace
R_AP; `eqchip schema --technology` prints the technology schema."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eqchip.config import load_design
from eqchip.config.mram_tech import CellParams, MramTech
from eqchip.errors import ConfigError
from eqchip.fileio import sha256_file

REPO = Path(__file__).resolve().parent.parent
TECH = REPO / "pdk_cfg" / "mram" / "stt_sky130.yaml"


def _design(folder: Path, technology: str, base: str = "small") -> Path:
    """designs/<base>.yaml written into `folder` with `mram.technology: <technology>`."""
    text, n = re.subn(r"(\n  technology: )\S+", rf"\g<1>{technology}",
                      (REPO / "designs" / f"{base}.yaml").read_text())
    assert n == 1
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{base}.yaml"
    path.write_text(text)
    return path


def _tech(path: Path, change=lambda raw: None, name: str | None = None) -> Path:
    """stt_sky130.yaml as `path`, named after its stem (or `name`), changed by `change`."""
    raw = yaml.safe_load(TECH.read_text())
    raw["name"] = name or path.stem
    change(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _eqchip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eqchip", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_technology_by_path_relative_to_the_design_file(tmp_path: Path) -> None:
    def mine(raw: dict) -> None:
        raw["cell"].update(r_p_kohm=12.0, r_ap_kohm=24.0)

    tech = _tech(tmp_path / "proj" / "devices" / "my_mtj.yaml", mine)
    design = _design(tmp_path / "proj", "devices/my_mtj.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = Path.cwd()
    os.chdir(elsewhere)          # relative to the design file, not to the working folder
    try:
        loaded = load_design(design)
    finally:
        os.chdir(cwd)
    assert loaded.tech.name == "my_mtj" and loaded.tech.cell.r_p_kohm == 12.0
    assert loaded.tech_path.resolve() == tech.resolve()
    assert loaded.tech_sha256 == sha256_file(tech)
    assert loaded.arch.macro_module.startswith("eqchip_mram_my_mtj_")
    # a shipped technology by name still resolves into the package
    assert load_design(REPO / "designs" / "small.yaml").tech_path.resolve() == TECH.resolve()
    # the CLI from another folder: the rendered RTL instantiates the user's macro
    proc = _eqchip("render", str(design), "-o", "out", cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "eqchip_mram_my_mtj_16x32" in (elsewhere / "out" / "rtl" / "small_mram_bank0.sv"
                                          ).read_text()


@pytest.mark.parametrize("value", ["my mtj", "devices/my-mtj.yaml", "devices/my_mtj.txt",
                                   "devices/"])
def test_bad_technology_references_are_refused_in_the_design(tmp_path: Path, value: str) -> None:
    design = _design(tmp_path, json.dumps(value))
    with pytest.raises(ConfigError) as err:
        load_design(design)
    msg = str(err.value)
    assert f"{design}:21: mram.technology" in msg and "stt_sky130" in msg


def _fifo(p: Path) -> str:
    os.mkfifo(p)
    return p.name


def _loop(p: Path) -> str:
    os.symlink(p.name, p)
    return p.name


def _link(p: Path, target: str) -> str:
    os.symlink(target, p)
    return p.name


def _directory(p: Path) -> str:
    p.mkdir()
    return p.name


@pytest.mark.parametrize("make, needle", [
    (_directory, "is a directory"),
    (_loop, "is a symbolic link loop"),
    (_fifo, "is a FIFO (named pipe)"),
    (lambda p: _link(p, "/dev/zero"), "is a character device"),
    (lambda p: "missing.yaml", "no such file"),
], ids=["directory", "symlink-loop", "fifo", "dev-zero", "missing"])
def test_unreadable_technology_files_are_one_line_errors(tmp_path: Path, make, needle: str
                                                         ) -> None:
    """By path from the CLI: exit 2 at once (no hang on a FIFO or /dev/zero), one line naming the
    design file, the field and the technology file, then the fix."""
    ref = make(tmp_path / "t_dev.yaml")
    design = _design(tmp_path, ref)
    proc = _eqchip("render", str(design), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[1].lstrip().startswith("fix: "), proc.stderr
    assert lines[0].startswith(f"error: {design}:21: mram.technology: ")
    assert needle in lines[0] and (ref in lines[0]), lines[0]
    assert "path of an MRAM technology YAML file" in lines[1]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("make, needle", [(_directory, "is a directory"),
                                          (_loop, "is a symbolic link loop"),
                                          (_fifo, "is a FIFO"),
                                          (lambda p: _link(p, "/dev/zero"), "character device")])
def test_shipped_name_that_is_not_a_file_is_named_as_such(tmp_path: Path, make,
                                                          needle: str) -> None:
    """By name (a package folder of technologies): 't_dev' is called what it is, and the hint
    does not offer it as a valid name."""
    _tech(tmp_path / "pdk_cfg" / "mram" / "stt_sky130.yaml")
    make(tmp_path / "pdk_cfg" / "mram" / "t_dev.yaml")
    design = _design(tmp_path / "d", "t_dev")
    with pytest.raises(ConfigError) as err:
        load_design(design, tmp_path / "pdk_cfg")
    assert needle in err.value.message and "not found" not in err.value.message
    assert "t_dev" not in (err.value.hint or "") and "stt_sky130" in (err.value.hint or "")


def test_technology_name_must_be_its_file_stem(tmp_path: Path) -> None:
    _tech(tmp_path / "my_mtj.yaml", name="renamed")
    design = _design(tmp_path, "my_mtj.yaml")
    with pytest.raises(ConfigError) as err:
        load_design(design)
    msg = str(err.value)
    assert f"{design}:21: mram.technology" in msg
    assert "'renamed'" in msg and "'my_mtj'" in msg and "name: my_mtj" in msg


def _low_write_current(raw: dict) -> None:
    raw["cell"]["write_current_ua"] = 25.0          # below stochastic_switching.ic0_ua (30)


def test_unused_switching_section_does_not_judge_the_write_current(tmp_path: Path) -> None:
    """A `nearest` design does not use stochastic_switching: a write current below its Ic0 is
    that design's business; an mtj design is told, naming both numbers."""
    _tech(tmp_path / "low_iw.yaml", _low_write_current)
    loaded = load_design(_design(tmp_path / "n", "../low_iw.yaml"))
    assert loaded.design.fixed_point.update_rounding == "nearest"
    assert loaded.tech.cell.write_current_ua == 25.0
    with pytest.raises(ConfigError) as err:
        load_design(_design(tmp_path / "m", "../low_iw.yaml", base="digits6_mtj"))
    msg = str(err.value)
    assert "mram.technology" in msg and "write_current_ua (25.0 uA)" in msg
    assert "ic0_ua (30.0 uA)" in msg


def test_tmr_is_an_alternative_to_r_ap(tmp_path: Path) -> None:
    def tmr(raw: dict) -> None:
        del raw["cell"]["r_ap_kohm"]
        raw["cell"]["tmr_percent"] = 150.0

    _tech(tmp_path / "t_tmr.yaml", tmr)
    loaded = load_design(_design(tmp_path, "t_tmr.yaml"))
    assert loaded.tech.cell.r_ap_kohm == pytest.approx(6.0 * 2.5)
    assert loaded.tech.cell.tmr_percent == 150.0
    shipped = load_design(REPO / "designs" / "small.yaml").tech.cell
    assert shipped.tmr_percent == pytest.approx(100.0)        # 6 / 12 kohm

    def both(raw: dict) -> None:
        raw["cell"]["tmr_percent"] = 100.0

    def neither(raw: dict) -> None:
        del raw["cell"]["r_ap_kohm"]

    for change, needle in ((both, "both given; keep one"), (neither, "is missing; give one")):
        _tech(tmp_path / "t_tmr.yaml", change)
        with pytest.raises(ConfigError) as err:
            load_design(_design(tmp_path, "t_tmr.yaml"))
        msg = str(err.value)
        assert "t_tmr.yaml:" in msg and "cell" in msg and needle in msg, msg
        assert "r_ap_kohm" in msg and "tmr_percent" in msg


def test_schema_technology_prints_the_technology_schema(tmp_path: Path) -> None:
    proc = _eqchip("schema", "--technology", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert schema == json.loads(json.dumps(MramTech.model_json_schema())) | {
        k: schema[k] for k in ("$schema", "title")}
    cell = schema["$defs"]["CellParams"]["properties"]
    assert {"r_p_kohm", "r_ap_kohm", "tmr_percent", "write_current_ua"} <= set(cell)
    # -o writes it to a file
    proc = _eqchip("schema", "--technology", "-o", "tech.schema.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "tech.schema.json").read_text()) == schema


def test_docs_describe_bring_your_own_technology() -> None:
    doc = (REPO / "docs" / "mram.md").read_text()
    assert "cp pdk_cfg/mram" not in doc and "eqchip schema --technology" in doc
    for field in CellParams.model_fields:
        assert f"`{field}`" in doc, field
    assert "relative to the design file" in doc


def test_edited_technology_makes_the_build_stale(pdk_root: Path, tmp_path: Path) -> None:
    """The issue's case: a design with its own technology file, built; the file edited in place
    (R_P/R_AP 6/12 -> 12/24 kohm). The report refuses the build as stale instead of mixing the
    old macro views with new energies; a rebuild after any edit (even a comment, which changes
    no view) records the new file. One build to `elaborate` (seconds): the report's MRAM
    energies come from the technology file."""
    tech = _tech(tmp_path / "dev" / "my_mtj.yaml")
    design = _design(tmp_path, "dev/my_mtj.yaml")
    d = tmp_path / "b" / "small"

    def build() -> subprocess.CompletedProcess[str]:
        proc = _eqchip("build", str(design), "--build-dir", "b", "--to", "elaborate",
                       cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    build()
    state = json.loads((d / "build_state.json").read_text())
    assert state["technology_sha256"] == sha256_file(tech)
    assert Path(state["views"]["technology"]) == tech.resolve()
    proc = _eqchip("report", str(d), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rec = json.loads((d / "report.json").read_text())["pdk"]["mram_technology"]
    assert rec["sha256"] == sha256_file(tech) and Path(rec["file"]).resolve() == tech.resolve()
    mram = json.loads((d / "report.json").read_text())["mram"]       # figure sources name it
    assert str(tech) in mram["read_pj_per_word"]["source"]
    assert "pdk_cfg/mram" not in mram["read_pj_per_word"]["source"]

    old_report = (d / "report.json").read_bytes()
    text = tech.read_text()
    edited = text.replace("r_p_kohm: 6.0", "r_p_kohm: 12.0").replace("r_ap_kohm: 12.0",
                                                                     "r_ap_kohm: 24.0")
    assert edited.count("24.0") == text.count("24.0") + 1
    tech.write_text(edited)
    proc = _eqchip("report", str(d), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the build is stale" in proc.stderr and str(tech) in proc.stderr
    assert "technology_sha256" in proc.stderr and "Traceback" not in proc.stderr
    assert (d / "report.json").read_bytes() == old_report     # the old one, untouched

    # back to the numbers built, plus a comment: no view changes, but the file is not the
    # one the build recorded, so the build must not be taken as current
    tech.write_text(text + "# R_P/R_AP measured on wafer 3\n")
    proc = build()
    assert "nothing changed since the last build" not in proc.stdout + proc.stderr
    state = json.loads((d / "build_state.json").read_text())
    assert state["technology_sha256"] == sha256_file(tech)
    proc = _eqchip("report", str(d), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = build()                                # and nothing changed now: reused
    assert "nothing changed since the last build" in again.stdout + again.stderr
