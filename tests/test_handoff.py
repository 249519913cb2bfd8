"""`eqchip handoff`: a checksummed package of a real build, refused when it would mislead."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def _eqchip(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eqchip", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_partial_build_needs_pre_layout(small_build: Path, tmp_path: Path,
                                        designs_dir: Path) -> None:
    metrics = json.loads((small_build / "metrics.json").read_text())
    out = tmp_path / "pkg"
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
                   "-o", str(out))
    if metrics["status"] == "complete":
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode == 5, proc.stderr
        assert "--pre-layout" in proc.stderr
        assert not out.exists()
        assert list(tmp_path.iterdir()) == []      # no half-written package left behind


def test_pre_layout_package_is_complete_and_checksummed(small_build: Path, tmp_path: Path,
                                                        designs_dir: Path) -> None:
    out = tmp_path / "pkg"
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
                   "-o", str(out), "--pre-layout")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    roles = {f["role"] for f in manifest["files"]}
    assert {"rtl", "netlist", "constraints", "macro_views", "reports", "design"} <= roles
    assert manifest["kind"] in ("pre-layout", "layout")
    paths = {f["path"] for f in manifest["files"]}
    macro = manifest["macro"]["cell"]
    assert any(p.endswith(f"{macro}.lef") for p in paths)
    assert any(p.endswith(f"{macro}__tt_025C_1v80.lib") for p in paths)
    netlist = next(out / p for p in paths if p.endswith(".vg"))
    assert netlist.read_text().count(macro) >= manifest["macro"]["count"]
    # SHA256SUMS covers every file in the package but itself, sha256sum-compatible
    listed = {line.split("  ", 1)[1] for line in (out / "SHA256SUMS").read_text().splitlines()}
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == present - {"SHA256SUMS"}
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert _eqchip("handoff", str(designs_dir / "small.yaml"), "-o", str(out),
                   "--verify").returncode == 0
    # tampering is detected
    victim = out / next(p for p in sorted(paths) if p.endswith(".sv"))
    victim.write_text(victim.read_text() + "// edited\n")
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "-o", str(out), "--verify")
    assert proc.returncode != 0 and "checksum mismatch" in proc.stderr


def test_stale_build_is_refused(small_build: Path, tmp_path: Path, designs_dir: Path) -> None:
    data = yaml.safe_load((designs_dir / "small.yaml").read_text())
    data["eqprop"]["t1"] += 1
    changed = tmp_path / "small.yaml"
    changed.write_text(yaml.safe_dump(data))
    proc = _eqchip("handoff", str(changed), "--build-dir", str(small_build), "-o",
                   str(tmp_path / "pkg"), "--pre-layout")
    assert proc.returncode != 0
    assert "another version" in proc.stderr and "eqchip build" in proc.stderr
    assert not (tmp_path / "pkg").exists()


def test_destination_that_would_clobber_is_refused(small_build: Path, tmp_path: Path,
                                                   designs_dir: Path) -> None:
    before = sorted(p.name for p in small_build.iterdir())
    for dest in (small_build, small_build / "eqchip", small_build.parent):
        proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir",
                       str(small_build), "-o", str(dest), "--pre-layout")
        assert proc.returncode != 0 and "build folder" in proc.stderr, proc.stderr
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep")
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
                   "-o", str(precious), "--pre-layout")
    assert proc.returncode != 0 and "not an eqchip handoff package" in proc.stderr
    assert (precious / "notes.txt").read_text() == "keep"
    assert sorted(p.name for p in small_build.iterdir()) == before


def test_verify_reports_unlisted_and_missing_files(small_build: Path, tmp_path: Path,
                                                   designs_dir: Path) -> None:
    out = tmp_path / "pkg"
    assert _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
                   "-o", str(out), "--pre-layout").returncode == 0
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)
    (out / "extra.v").write_text("module x; endmodule\n")
    (out / "design" / "small.yaml").unlink()
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "-o", str(out), "--verify")
    assert proc.returncode != 0
    assert "extra.v: not in SHA256SUMS" in proc.stderr
    assert "design/small.yaml: missing" in proc.stderr
    (out / "SHA256SUMS").unlink()
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "-o", str(out), "--verify")
    assert proc.returncode != 0 and "not a handoff package" in proc.stderr
    assert "Traceback" not in proc.stderr


def _package(root: Path) -> Path:
    """A small handoff package written the way make_handoff writes one (no build needed)."""
    from eqchip.fileio import sha256_file

    out = root / "pkg"
    (out / "rtl").mkdir(parents=True)
    (out / "rtl" / "top.sv").write_text("module top; endmodule\n")
    (out / "design").mkdir()
    (out / "design" / "small.yaml").write_text("name: small\n")
    files = [{"path": p, "role": r, "bytes": (out / p).stat().st_size,
              "sha256": sha256_file(out / p)}
             for p, r in (("design/small.yaml", "design"), ("rtl/top.sv", "rtl"))]
    _write_manifest(out, {"schema": "eqchip.handoff/1", "kind": "pre-layout",
                          "design": "small", "design_sha256": files[0]["sha256"],
                          "files": files})
    return out


def _write_manifest(out: Path, doc: dict) -> None:
    """manifest.json and a SHA256SUMS that lists every file of the manifest and the manifest."""
    from eqchip.fileio import sha256_file

    (out / "manifest.json").write_text(json.dumps(doc))
    _write_sums(out, [(f["sha256"], f["path"]) for f in doc["files"]]
                + [(sha256_file(out / "manifest.json"), "manifest.json")])


def _write_sums(out: Path, entries: list[tuple[str, str]]) -> None:
    (out / "SHA256SUMS").write_text("".join(f"{d}  {p}\n" for d, p in entries))


def _sums(out: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines()]


def test_verify_refuses_paths_that_leave_the_package(tmp_path: Path) -> None:
    from eqchip.fileio import sha256_file
    from eqchip.handoff.package import verify_handoff

    out = _package(tmp_path)
    assert verify_handoff(out) == []
    secret = tmp_path / "secret.txt"
    secret.write_text("outside\n")
    digest = sha256_file(secret)
    _write_sums(out, _sums(out) + [(digest, "../secret.txt"), (digest, str(secret))])
    problems = verify_handoff(out)
    assert any("../secret.txt" in p and "refused" in p for p in problems), problems
    assert any(str(secret) in p and "absolute path" in p for p in problems), problems
    # a symbolic link inside the package that points outside is refused, not followed
    out = _package(tmp_path / "b")
    (out / "rtl" / "leak.sv").symlink_to(secret)
    _write_sums(out, _sums(out) + [(digest, "rtl/leak.sv")])
    problems = verify_handoff(out)
    assert any("rtl/leak.sv" in p and "outside the package" in p for p in problems), problems
    proc = _eqchip("handoff", "small", "-o", str(out), "--verify")
    assert proc.returncode != 0 and "outside the package" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_verify_compares_manifest_hashes_with_sha256sums(tmp_path: Path) -> None:
    from eqchip.fileio import sha256_file
    from eqchip.handoff.package import verify_handoff

    out = _package(tmp_path)
    victim = out / "rtl" / "top.sv"
    victim.write_text("module top; wire evil; endmodule\n")
    # the tamperer rehashes the file's SHA256SUMS line, not the manifest
    _write_sums(out, [(sha256_file(victim) if p == "rtl/top.sv" else d, p) for d, p in _sums(out)])
    problems = verify_handoff(out)
    assert problems == ["rtl/top.sv: manifest.json and SHA256SUMS give different checksums"]
    proc = _eqchip("handoff", "small", "-o", str(out), "--verify")
    assert proc.returncode != 0 and "different checksums" in proc.stderr


def test_verify_checks_the_manifest_against_the_contents(tmp_path: Path) -> None:
    """A manifest whose kind or design_sha256 was changed (and rehashed in SHA256SUMS) fails."""
    from eqchip.handoff.package import verify_handoff

    out = _package(tmp_path)
    doc = json.loads((out / "manifest.json").read_text())
    assert verify_handoff(out) == []
    _write_manifest(out, {**doc, "kind": "layout"})
    assert verify_handoff(out) == ["manifest.json: kind is layout but the package holds no GDS "
                                   "layout"]
    _write_manifest(out, {**doc, "design_sha256": "0" * 64})
    assert verify_handoff(out) == ["manifest.json: design_sha256 000000000000 is not the sha256 "
                                   "of the packed design/small.yaml"]
    proc = _eqchip("handoff", "small", "-o", str(out), "--verify")
    assert proc.returncode != 0 and "design_sha256" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_verify_checks_kind_and_sha_of_a_real_package(small_build: Path, tmp_path: Path,
                                                      designs_dir: Path) -> None:
    out = tmp_path / "pkg"
    assert _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
                   "-o", str(out), "--pre-layout").returncode == 0
    doc = json.loads((out / "manifest.json").read_text())
    other = "layout" if doc["kind"] == "pre-layout" else "pre-layout"
    _write_manifest(out, {**doc, "kind": other})
    proc = _eqchip("handoff", "small", "-o", str(out), "--verify")
    assert proc.returncode != 0 and f"kind is {other}" in proc.stderr, proc.stderr
    _write_manifest(out, {**doc, "design_sha256": "f" * 64})
    proc = _eqchip("handoff", "small", "-o", str(out), "--verify")
    assert proc.returncode != 0
    assert "design_sha256 ffffffffffff is not the sha256 of the packed design/small.yaml" \
        in proc.stderr
    assert "is not the one reports/metrics.json was built from" in proc.stderr


def test_only_an_unchanged_package_is_replaced(small_build: Path, tmp_path: Path,
                                               designs_dir: Path) -> None:
    out = tmp_path / "pkg"
    args = ("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
            "--pre-layout")
    assert _eqchip(*args, "-o", str(out)).returncode == 0
    (out / "my_notes.txt").write_text("keep me")
    proc = _eqchip(*args, "-o", str(out))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "no longer the package eqchip wrote" in proc.stderr
    assert "my_notes.txt: not in SHA256SUMS" in proc.stderr
    assert (out / "my_notes.txt").read_text() == "keep me"
    (out / "my_notes.txt").unlink()
    assert _eqchip(*args, "-o", str(out)).returncode == 0     # its own package: replaced
    link = tmp_path / "link"
    link.symlink_to(out)
    proc = _eqchip(*args, "-o", str(link))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"{link} is a symbolic link" in proc.stderr
    assert link.is_symlink() and (out / "manifest.json").is_file()


def test_cover_sheet_lists_the_top_pins_and_the_mram_model_is_packed(small_build: Path,
                                                                      tmp_path: Path,
                                                                      designs_dir: Path
                                                                      ) -> None:
    """Issue 26: the partner's README opens with a cover sheet (what is inside, the top cell's
    pins as the packed netlist declares them) and the package carries the macro's behavioural
    Verilog model, which simulates with Icarus."""
    import re
    import shutil

    out = tmp_path / "pkg"
    proc = _eqchip("handoff", str(designs_dir / "small.yaml"), "--build-dir", str(small_build),
                   "-o", str(out), "--pre-layout")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    readme = (out / "README.md").read_text()
    assert "## Cover sheet" in readme
    # the pin list equals the ports of the packed netlist's top module, independently parsed
    top = manifest["top"]
    netlist = next(out / f["path"] for f in manifest["files"] if f["path"].endswith(".vg"))
    text = netlist.read_text()
    header = re.search(rf"module {top}\(([^)]*)\);", text).group(1)
    ports = [p.strip() for p in header.split(",")]
    rows = re.findall(r"^\| `([A-Za-z_]\w*)(?:\[\d+:\d+\])?` \| (input|output|inout) \| (\d+) \|",
                      readme, re.M)
    assert [r[0] for r in rows] == ports
    for name, direction, width in rows:
        decl = re.search(rf"^\s*{direction}\s+(?:\[(\d+):(\d+)\]\s*)?{name};", text, re.M)
        assert decl, name
        want = abs(int(decl.group(1)) - int(decl.group(2))) + 1 if decl.group(1) else 1
        assert int(width) == want
    # the behavioural model of the macro is in the package and named in the README
    cell = manifest["macro"]["cell"]
    model = out / "macros" / f"{cell}.v"
    assert f"macros/{cell}.v" in {f["path"] for f in manifest["files"]}
    assert f"`macros/{cell}.v` is a behavioural Verilog model" in readme
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed: the model's simulation is not checked")
    tb = tmp_path / "tb.v"
    tb.write_text(f"""`timescale 1ns/1ps
module tb;
  reg clk = 0, ce = 0, we = 0; reg [3:0] addr = 0; reg [31:0] din = 0; wire [31:0] dout;
  {cell} m(.CLK(clk), .CE(ce), .WE(we), .ADDR(addr), .DIN(din), .DOUT(dout));
  always #5 clk = ~clk;
  initial begin
    @(negedge clk) ce = 1; we = 1; addr = 3; din = 32'hdeadbeef;
    @(negedge clk) we = 0;
    @(negedge clk) $display("DOUT=%h", dout); $finish;
  end
endmodule
""")
    sim = tmp_path / "sim.vvp"
    comp = subprocess.run(["iverilog", "-o", str(sim), str(tb), str(model)],
                          capture_output=True, text=True)
    assert comp.returncode == 0, comp.stderr
    run = subprocess.run(["vvp", str(sim)], capture_output=True, text=True)
    assert "DOUT=deadbeef" in run.stdout, run.stdout + run.stderr
