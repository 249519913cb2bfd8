"""The MAC array's radix-4 Booth multiplier (`<design>_mul`, docs/architecture.md "Multipliers")
equals the plain product x * y mod 2^MULW for every pair of operands: an exhaustive Verilator
simulation of the rendered module (2^(XW + SB) products), against the simulator's own `*`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from eqchip.config import load_design
from eqchip.render import render_design
from eqchip.render.context import build_context

needs_verilator = pytest.mark.skipif(shutil.which("verilator") is None,
                                     reason="verilator is not installed")


def _bench(name: str, xw: int, sb: int, mulw: int) -> str:
    """A testbench that counts the operand pairs where the module's product differs."""
    return f"""module tb;
    logic [{xw - 1}:0] x;
    logic [{sb - 1}:0] y;
    logic [{mulw - 1}:0] p, want;
    longint bad = 0, n = 0;
    {name}_mul dut (.x, .y, .p);
    assign want = {mulw}'($signed(x) * $signed({{1'b0, y}}));
    initial begin
        for (longint i = 0; i < (64'd1 << {xw}); i++) begin
            for (longint j = 0; j < (64'd1 << {sb}); j++) begin
                x = {xw}'(i);
                y = {sb}'(j);
                #1;
                n++;
                if (p !== want) bad++;
            end
        end
        $display("products=%0d mismatches=%0d", n, bad);
        $finish;
    end
endmodule
"""


def _run(mul_sv: Path, name: str, ctx: dict, work: Path) -> tuple[int, int]:
    tb = work / "tb.sv"
    tb.write_text(_bench(name, ctx["XW"], ctx["SB"], ctx["MULW"]))
    subprocess.run(["verilator", "--binary", "-Wno-fatal", "--top-module", "tb", "-Mdir",
                    str(work / "obj"), str(mul_sv), str(tb)],
                   check=True, capture_output=True, text=True, cwd=work)
    out = subprocess.run([str(work / "obj" / "Vtb")], check=True, capture_output=True,
                         text=True, cwd=work).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("products="))
    n, bad = (int(f.split("=")[1]) for f in line.split())
    return n, bad


def _rendered_mul(design: str, designs_dir: Path, tmp_path: Path) -> tuple[Path, dict]:
    """The rendered `<design>_mul.sv` of a shipped design and the design's render context."""
    loaded = load_design(designs_dir / f"{design}.yaml")
    res = render_design(loaded, tmp_path / "rtl")
    return next(p for p in res.rtl_files if p.name == f"{design}_mul.sv"), build_context(loaded)


@needs_verilator
# digits: 16 x 9 bits (small too), digits6: 10 x 9 bits
@pytest.mark.parametrize("design", ["digits", "digits6"])
def test_booth_multiplier_is_exact(design: str, designs_dir: Path, tmp_path: Path) -> None:
    mul, ctx = _rendered_mul(design, designs_dir, tmp_path)
    n, bad = _run(mul, design, ctx, tmp_path)
    assert n == 2 ** (ctx["XW"] + ctx["SB"])
    assert bad == 0


@needs_verilator
def test_wrong_sign_constant_is_caught(designs_dir: Path, tmp_path: Path) -> None:
    mul, ctx = _rendered_mul("digits6", designs_dir, tmp_path)
    text = mul.read_text()
    planted = text.replace("SIGN_C = ", "SIGN_C = 1 + ", 1)
    assert planted != text
    mul.write_text(planted)
    n, bad = _run(mul, "digits6", ctx, tmp_path)
    assert n == 2 ** (ctx["XW"] + ctx["SB"]) and bad == n
