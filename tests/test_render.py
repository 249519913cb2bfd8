"""eqchip render: every shipped design renders, re-renders byte-identically, and the manifest
and file list describe exactly what was written."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from eqchip import __version__
from eqchip.config import load_design
from eqchip.errors import EqchipError
from eqchip.fileio import sha256_file
from eqchip.render import render_design

# every design file shipped in designs/ (other YAML there, e.g. regression rules, is skipped)
DESIGNS = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "designs").glob(
    "*.yaml") if "\nnetwork:" in p.read_text())


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("name", DESIGNS)
def test_render_every_design(name: str, designs_dir: Path, tmp_path: Path) -> None:
    loaded = load_design(designs_dir / f"{name}.yaml")
    res = render_design(loaded, tmp_path / "a")
    assert res.top == f"{name}_top"
    # one module per file, named after the file, prefixed with the design name
    for f in res.rtl_files:
        text = f.read_text()
        modules = re.findall(r"^module\s+(\w+)", text, flags=re.M)
        assert modules == [f.stem], f
        assert f.stem.startswith(f"{name}_")
        assert "docs/architecture.md" in text
    top_text = (tmp_path / "a" / "rtl" / f"{name}_top.sv").read_text()
    # one bank per weight matrix, each with its macros instantiated by the macro module name
    for m in loaded.arch.matrices:
        bank = (tmp_path / "a" / "rtl" / f"{name}_mram_bank{m.index}.sv").read_text()
        assert len(re.findall(rf"^\s*{loaded.arch.macro_module}\s+u_macro\d+", bank,
                              flags=re.M)) == m.macros
        assert f"{name}_mram_bank{m.index} u_bank{m.index}" in top_text
    # a second render into another folder is byte-identical
    res2 = render_design(loaded, tmp_path / "b")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert res2.top == res.top


def test_manifest_and_filelist(designs_dir: Path, tmp_out: Path) -> None:
    loaded = load_design(designs_dir / "digits.yaml")
    res = render_design(loaded, tmp_out)
    man = json.loads(res.manifest.read_text())
    assert man["eqchip_version"] == __version__
    assert man["design"] == "digits"
    assert man["design_sha256"] == loaded.sha256 == sha256_file(designs_dir / "digits.yaml")
    assert man["top"] == "digits_top"
    assert man["macro_module"] == loaded.arch.macro_module
    listed = {f["path"]: f["sha256"] for f in man["files"]}
    on_disk = {str(p.relative_to(tmp_out)) for p in tmp_out.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json", "filelist.f"}
    for rel, digest in listed.items():
        assert sha256_file(tmp_out / rel) == digest, rel
    assert man["macro_blackbox"] in listed
    assert not re.search(r"20\d\d-\d\d-\d\d|time", json.dumps(man), flags=re.I)
    # the file list: RTL only, relative to the output folder, top module's file last
    entries = res.filelist.read_text().splitlines()
    assert entries == [str(p.relative_to(tmp_out)) for p in res.rtl_files]
    assert all(not Path(e).is_absolute() and (tmp_out / e).is_file() for e in entries)
    assert entries[-1] == "rtl/digits_top.sv"
    assert man["arch"]["matrices"][0]["words"] == loaded.arch.matrices[0].words


def test_rerender_other_design_leaves_no_stale_files(designs_dir: Path, tmp_out: Path) -> None:
    render_design(load_design(designs_dir / "digits.yaml"), tmp_out)
    res = render_design(load_design(designs_dir / "small.yaml"), tmp_out)
    man = json.loads(res.manifest.read_text())
    on_disk = {str(p.relative_to(tmp_out)) for p in tmp_out.rglob("*") if p.is_file()}
    assert on_disk == {f["path"] for f in man["files"]} | {"manifest.json", "filelist.f"}
    assert not list(tmp_out.rglob("digits_*"))


def test_interrupted_rerender_leaves_no_manifest(designs_dir: Path, tmp_out: Path) -> None:
    loaded = load_design(designs_dir / "small.yaml")
    res = render_design(loaded, tmp_out)
    files = json.loads(res.manifest.read_text())["files"]
    last = tmp_out / files[-1]["path"]          # a file the re-render cannot replace
    last.unlink()
    last.mkdir()
    with pytest.raises(EqchipError, match="not a regular file"):
        render_design(loaded, tmp_out)
    assert not res.manifest.exists()            # no completion marker over a partial render
    last.rmdir()
    assert render_design(loaded, tmp_out).manifest.is_file()


def test_render_shipped_design_by_name(tmp_out: Path) -> None:
    proc = subprocess.run(["eqchip", "render", "small", "-o", str(tmp_out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_out / "manifest.json").read_text())["design"] == "small"
    bad = subprocess.run(["eqchip", "render", "nosuchdesign", "-o", str(tmp_out / "x")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "no such design file" in bad.stderr


def test_render_cli(tmp_out: Path, designs_dir: Path) -> None:
    proc = subprocess.run(["eqchip", "render", str(designs_dir / "small.yaml"), "-o",
                           str(tmp_out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "small_top" in proc.stdout
    assert (tmp_out / "rtl" / "small_top.sv").is_file()
    ref = tmp_out.parent / "ref"
    render_design(load_design(designs_dir / "small.yaml"), ref)
    assert _tree(tmp_out) == _tree(ref)


def test_render_cli_bad_design(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (Path(__file__).resolve().parent.parent / "designs" / "small.yaml").read_text()
    bad.write_text(text.replace("mac_units: 2", "mac_units: 3"))
    proc = subprocess.run(["eqchip", "render", str(bad), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "mac_units" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_nearest_rounding_renders_todays_rtl(designs_dir: Path, tmp_out: Path) -> None:
    """update_rounding: nearest (explicit, with a prng section that it ignores) renders the same
    RTL as the design without them, apart from the design file's hash in the headers; no PRNG."""
    base = render_design(load_design(designs_dir / "digits.yaml"), tmp_out / "a")
    text = (designs_dir / "digits.yaml").read_text().replace(
        "acc_bits: 32", "acc_bits: 32\n  update_rounding: nearest") + "prng:\n  seed: 99\n"
    variant = tmp_out / "digits.yaml"
    variant.write_text(text)
    other = render_design(load_design(variant), tmp_out / "b")
    assert [p.name for p in base.rtl_files] == [p.name for p in other.rtl_files]
    assert not any("prng" in p.name for p in base.rtl_files)
    strip = re.compile(r"sha256 [0-9a-f]{64}")
    for a, b in zip(base.rtl_files, other.rtl_files, strict=True):
        assert strip.sub("", a.read_text()) == strip.sub("", b.read_text()), a.name
    # (stochastic rounding keeps the biases in registers: digits' bias rows go)
    stoch = variant.read_text().replace("update_rounding: nearest", "update_rounding: stochastic"
                                        ).replace("bias_rows: true", "bias_rows: false")
    variant.write_text(stoch)
    res = render_design(load_design(variant), tmp_out / "c")
    assert "digits_prng.sv" in [p.name for p in res.rtl_files]
    assert "u_w[k][" in (tmp_out / "c" / "rtl" / "digits_wupd.sv").read_text()


def _readme_quick_start(prefix: str) -> list[str]:
    """The README's quick-start command starting with `prefix`, as written (comment dropped)."""
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [ln.split("#", 1)[0].strip() for ln in block.splitlines()]
    found = [ln for ln in lines if ln.startswith(prefix)]
    assert len(found) == 1, f"README quick start has no single `{prefix}` line: {found}"
    return shlex.split(found[0])


def test_quick_start_render_lint_relative_out(tmp_path: Path) -> None:
    """README quick start, exactly as written, from a scratch folder: `eqchip render small -o
    out/small --lint` (a relative -o; Verilator used to run inside the output folder with the
    caller's relative paths and could not find a single file)."""
    import shutil

    cmd = _readme_quick_start("eqchip render small ")
    assert "--lint" in cmd and not Path(cmd[cmd.index("-o") + 1]).is_absolute()
    if shutil.which("verilator") is None:
        pytest.skip("verilator is not installed (apt-get install verilator)")
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Cannot find file" not in proc.stdout + proc.stderr
    assert "verilator" in proc.stdout and "no warnings" in proc.stdout
    assert (tmp_path / "out" / "small" / "manifest.json").is_file()
