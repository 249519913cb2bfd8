"""Checks of generated macro views, each run with a real parser:

* pins: the same ports, directions and widths in the black box, the behavioural model (Yosys
  read_verilog, with and without USE_POWER_PINS), every Liberty corner (Yosys read_liberty) and
  the LEF (pin names and DIRECTION/USE statements);
* geometry (KLayout's LEF reader): size on the site grid, every pin shape on the manufacturing
  grid, inside the macro, centred on a routing track, signal pins touching the boundary, no two
  shapes of a layer closer than its minimum spacing, no pin under an obstruction of its layer;
* GDS (KLayout): boundary equals the LEF size, one label per pin shape;
* OpenSTA: every Liberty corner reads and links; clock-to-DOUT, setup and hold match the
  technology file; report_power of an instance matches the hand calculation within 5 %.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from eqchip.errors import ToolError
from eqchip.macros.electrical import Electrical, electrical, expected_power_uw
from eqchip.macros.ports import POWER_PORTS, signal_ports
from eqchip.macros.techlef import TechLef, find_tech_lef, read_tech_lef
from eqchip.macros.tools import klayout_read, run_sta, yosys_modules
from eqchip.macros.views import MacroViews

POWER_TOLERANCE = 0.05
PortMap = dict[str, tuple[str, int]]   # port -> (direction, width)


@dataclass
class CheckResult:
    name: str
    problems: list[str] = field(default_factory=list)
    details: dict[str, float | str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def expected_ports(views: MacroViews, power: bool) -> PortMap:
    ports = list(signal_ports(views.spec)) + (list(POWER_PORTS) if power else [])
    return {p.name: (p.direction, p.width) for p in ports}


# ---------------------------------------------------------------- pins

@dataclass(frozen=True)
class LefPin:
    direction: str
    use: str
    rects: tuple[tuple[str, int, int, int, int], ...]   # layer, x0, y0, x1, y1 in nm


def _lef_rects(body: str) -> tuple[tuple[str, int, int, int, int], ...]:
    out = []
    layer = "?"
    for m in re.finditer(r"LAYER\s+(\S+)\s*;|RECT\s+([-0-9.]+)\s+([-0-9.]+)\s+([-0-9.]+)\s+"
                         r"([-0-9.]+)\s*;", body):
        if m.group(1):
            layer = m.group(1)
        else:
            x0, y0, x1, y1 = (round(float(m.group(i)) * 1000) for i in range(2, 6))
            out.append((layer, x0, y0, x1, y1))
    return tuple(out)


def lef_pins(text: str) -> dict[str, LefPin]:
    """PIN blocks of a LEF macro: bit name -> DIRECTION, USE (as written) and port rects."""
    out: dict[str, LefPin] = {}
    for m in re.finditer(r"^\s*PIN\s+(\S+)\s*$(.*?)^\s*END\s+\1\s*$", text, re.S | re.M):
        body = m.group(2)
        d = re.search(r"DIRECTION\s+(\w+)", body)
        u = re.search(r"USE\s+(\w+)", body)
        out[m.group(1)] = LefPin(d.group(1).lower() if d else "?", u.group(1) if u else "?",
                                 _lef_rects(body))
    return out


def group_bits(names: dict[str, str]) -> tuple[PortMap, list[str]]:
    """Bit names (X or X[i]) with directions -> ports with widths; problems for gaps or mixed
    directions inside a bus."""
    buses: dict[str, dict[int, str]] = {}
    out: PortMap = {}
    problems: list[str] = []
    for name, direction in names.items():
        m = re.fullmatch(r"(\w+)\[(\d+)\]", name)
        if m:
            buses.setdefault(m.group(1), {})[int(m.group(2))] = direction
        else:
            out[name] = (direction, 1)
    for base, bits in buses.items():
        if sorted(bits) != list(range(len(bits))):
            problems.append(f"bus {base} has bits {sorted(bits)}, not 0..{len(bits) - 1}")
        if len(set(bits.values())) != 1:
            problems.append(f"bus {base} mixes directions {sorted(set(bits.values()))}")
        out[base] = (next(iter(bits.values())), len(bits))
    return out, problems


def _compare(what: str, got: PortMap, want: PortMap) -> list[str]:
    problems = []
    for name in sorted(set(want) | set(got)):
        if name not in got:
            problems.append(f"{what}: port {name} is missing")
        elif name not in want:
            problems.append(f"{what}: unexpected port {name}")
        elif got[name] != want[name]:
            problems.append(f"{what}: port {name} is {got[name][0]}[{got[name][1]}], expected "
                            f"{want[name][0]}[{want[name][1]}]")
    return problems


def _yosys_ports(path: Path, kind: str, module: str, defines: tuple[str, ...] = ()) -> PortMap:
    mods = yosys_modules(path, kind, defines)
    if module not in mods:
        raise ToolError(f"Yosys found no module {module} in {path} (found {sorted(mods)})")
    return {n: (d, w) for n, (d, w, _pos) in mods[module].items()}


def check_pins(views: MacroViews) -> CheckResult:
    r = CheckResult("pins")
    name = views.name
    sig, pwr = expected_ports(views, False), expected_ports(views, True)
    for path in (views.blackbox_v, views.behavioural_v):
        r.problems += _compare(f"{path.name}", _yosys_ports(path, "verilog", name), sig)
        r.problems += _compare(f"{path.name} (USE_POWER_PINS)",
                               _yosys_ports(path, "verilog", name, ("USE_POWER_PINS",)), pwr)
    for corner, lib in views.liberty.items():
        r.problems += _compare(lib.name, _yosys_ports(lib, "liberty", name), sig)
        text = lib.read_text()
        for p in POWER_PORTS:
            if not re.search(rf'pg_pin\s*\(\s*"?{p.name}"?\s*\)', text):
                r.problems.append(f"{lib.name}: no pg_pin {p.name}")
        r.details[f"liberty_{corner}"] = "read by yosys read_liberty"
    pins = lef_pins(views.lef.read_text())
    got, probs = group_bits({n: p.direction for n, p in pins.items()})
    r.problems += [f"{views.lef.name}: {p}" for p in probs]
    r.problems += _compare(views.lef.name, got, pwr)
    uses = {n: p.use for n, p in pins.items()}
    for p, use in ((POWER_PORTS[0], "POWER"), (POWER_PORTS[1], "GROUND")):
        if uses.get(p.name) != use:
            r.problems.append(f"{views.lef.name}: pin {p.name} has USE {uses.get(p.name)}, "
                              f"expected {use}")
    if uses.get("CLK") != "CLOCK":
        r.problems.append(f"{views.lef.name}: pin CLK has USE {uses.get('CLK')}, expected CLOCK")
    r.details["ports"] = len(pwr)
    r.details["lef_pins"] = len(pins)
    return r


# ---------------------------------------------------------------- geometry

def _on_grid(v: int, grid: int) -> bool:
    return v % grid == 0


def check_lef_geometry(views: MacroViews, tech: TechLef) -> CheckResult:
    r = CheckResult("lef_geometry")
    kv = klayout_read(views.lef, views.name)
    text = views.lef.read_text()
    m = re.search(r"SIZE\s+([0-9.]+)\s+BY\s+([0-9.]+)", text)
    if m is None:
        r.problems.append(f"{views.lef.name}: no SIZE statement")
        return r
    w, h = round(float(m.group(1)) * 1000), round(float(m.group(2)) * 1000)
    grid = round(tech.grid * 1000)
    if kv.boxes.get("OUTLINE") != [(0, 0, w, h)]:
        r.problems.append(f"KLayout outline {kv.boxes.get('OUTLINE')} != SIZE {w} x {h} nm")
    if w % round(tech.site_width * 1000) or h % round(tech.site_height * 1000):
        r.problems.append(f"SIZE {w / 1000} x {h / 1000} um is not whole sites "
                          f"({tech.site_width} x {tech.site_height})")
    if re.search(r"CLASS\s+BLOCK\s*;", text) is None:
        r.problems.append("MACRO is not CLASS BLOCK")
    pins = lef_pins(text)
    shapes = [(lay, name, (x0, y0, x1, y1))
              for name, p in pins.items() for lay, x0, y0, x1, y1 in p.rects]
    # What KLayout's LEF reader saw must be exactly the shapes of the PIN statements.
    seen = sorted((k[:-4], b) for k, bs in kv.boxes.items() if k.endswith(".PIN") for b in bs)
    if seen != sorted((lay, b) for lay, _n, b in shapes):
        r.problems.append(f"KLayout read {len(seen)} pin shapes, the LEF PIN statements have "
                          f"{len(shapes)} (or they differ)")
    label_names = {t for k, ts in kv.labels.items() if k.endswith(".LABEL") for t, _x, _y in ts}
    if label_names != set(pins):
        r.problems.append(f"KLayout pin labels differ from the LEF pins: "
                          f"{sorted(label_names ^ set(pins))}")
    for name, p in pins.items():
        if not p.rects:
            r.problems.append(f"pin {name} has no shape")
    for layer, pin, (x0, y0, x1, y1) in shapes:
        where = f"pin {pin} ({layer} {x0 / 1000} {y0 / 1000} {x1 / 1000} {y1 / 1000})"
        if not all(_on_grid(v, grid) for v in (x0, y0, x1, y1)):
            r.problems.append(f"{where} is off the {tech.grid} um grid")
        if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
            r.problems.append(f"{where} is outside the macro")
        ly = tech.layers.get(layer)
        if ly is None:
            r.problems.append(f"{where} is on a non-routing layer")
            continue
        pitch, off = round(ly.pitch * 1000), round(ly.offset * 1000)
        centre2 = (x0 + x1) if ly.direction == "VERTICAL" else (y0 + y1)   # 2 x centre
        if (centre2 - 2 * off) % (2 * pitch):
            r.problems.append(f"{where} is not centred on a {layer} track "
                              f"(offset {ly.offset}, pitch {ly.pitch})")
        if min(x1 - x0, y1 - y0) < round(ly.width * 1000):
            r.problems.append(f"{where} is narrower than the {layer} minimum width {ly.width}")
        if pin not in ("VPWR", "VGND") and not (x0 == 0 or y0 == 0 or x1 == w or y1 == h):
            r.problems.append(f"{where} does not touch the macro boundary")
    for i, (la, pa, a) in enumerate(shapes):
        gap = round(tech.layers[la].spacing * 1000) if la in tech.layers else 0
        for lb, pb, b in shapes[i + 1:]:
            if la == lb and a[0] < b[2] + gap and b[0] < a[2] + gap \
                    and a[1] < b[3] + gap and b[1] < a[3] + gap:
                r.problems.append(f"pins {pa} and {pb} on {la} overlap or are closer than "
                                  f"{gap / 1000} um")
        for ob in kv.boxes.get(f"{la}.OBS", []):
            if a[0] < ob[2] + gap and ob[0] < a[2] + gap and a[1] < ob[3] + gap \
                    and ob[1] < a[3] + gap:
                r.problems.append(f"pin {pa} on {la} is under or too close to an obstruction")
    obs_layers = sorted(k[:-4] for k in kv.boxes if k.endswith(".OBS"))
    r.details.update({"width_um": w / 1000, "height_um": h / 1000,
                      "pin_shapes": len(shapes), "obstruction_layers": ",".join(obs_layers)})
    return r


def check_gds(views: MacroViews) -> CheckResult:
    r = CheckResult("gds")
    if views.gds is None:
        r.details["skipped"] = "no GDS written"
        return r
    kv = klayout_read(views.gds, views.name)
    boundary = kv.boxes.get("235/4", [])
    want = (0, 0, round(views.width_um * 1000), round(views.height_um * 1000))
    if boundary != [want]:
        r.problems.append(f"GDS boundary {boundary} != {want}")
    labels = sorted({t for key, ts in kv.labels.items() if key.endswith("/5") for t, _x, _y in ts})
    pins = sorted(lef_pins(views.lef.read_text()))
    if labels != pins:
        r.problems.append(f"GDS labels differ from LEF pins: only GDS "
                          f"{sorted(set(labels) - set(pins))}, only LEF "
                          f"{sorted(set(pins) - set(labels))}")
    r.details["labels"] = len(labels)
    return r


# ---------------------------------------------------------------- OpenSTA

def _wrapper(views: MacroViews) -> str:
    s = views.spec
    return (f"module eqchip_macro_probe(input clk, input ce, input we, "
            f"input [{s.addr_bits - 1}:0] addr, input [{s.bits - 1}:0] din, "
            f"output [{s.bits - 1}:0] dout);\n"
            f"  {views.name} u_mram(.CLK(clk), .CE(ce), .WE(we), .ADDR(addr), .DIN(din), "
            f".DOUT(dout));\nendmodule\n")


_SDC = """
create_clock -name clk -period {period} [get_ports clk]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]
set_output_delay 0 -clock clk [all_outputs]
set_load 0 [all_outputs]
set_input_transition 0.01 [all_inputs]
"""

_FLOAT = r"[-+0-9.eE]+"


def _power_line(out: str, inst: str) -> tuple[float, float, float, float]:
    m = re.search(rf"^\s*({_FLOAT})\s+({_FLOAT})\s+({_FLOAT})\s+({_FLOAT})\s+{inst}\s*$", out,
                  re.M)
    if m is None:
        raise ToolError(f"no report_power line for {inst} in OpenSTA output")
    return tuple(float(x) for x in m.groups())  # type: ignore[return-value]


def sta_convention_factor(workdir: Path) -> float:
    """How this OpenSTA build charges input-pin internal power, measured on a probe cell whose
    clock pin has rise_power = 1 pJ, fall_power = 0: 1.0 if it reports 1 pJ per clock cycle
    (current OpenSTA: mean of rise and fall x toggle rate), 2.0 if it sums rise and fall
    (the 2019 OpenSTA 2.0.x in Debian). Anything else is an error."""
    lib = """library (probe) {
  time_unit : "1ns"; voltage_unit : "1V"; current_unit : "1mA"; leakage_power_unit : "1nW";
  capacitive_load_unit (1, pf); nom_voltage : 1.8; nom_temperature : 25; nom_process : 1;
  input_threshold_pct_rise : 50; input_threshold_pct_fall : 50;
  output_threshold_pct_rise : 50; output_threshold_pct_fall : 50;
  slew_lower_threshold_pct_rise : 20; slew_lower_threshold_pct_fall : 20;
  slew_upper_threshold_pct_rise : 80; slew_upper_threshold_pct_fall : 80;
  operating_conditions (tt) { process : 1; voltage : 1.8; temperature : 25; }
  default_operating_conditions : tt;
  cell (probe) { area : 1; pin (CLK) { direction : input; clock : true; capacitance : 0.001;
    internal_power () { rise_power (scalar) { values ("1.0"); }
                        fall_power (scalar) { values ("0.0"); } } } }
}
"""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "probe.lib").write_text(lib)
    (workdir / "probe.v").write_text(
        "module probe_top(input clk); probe u_probe(.CLK(clk)); endmodule\n")
    out = run_sta("read_liberty probe.lib\nread_verilog probe.v\nlink_design probe_top\n"
                  "create_clock -name clk -period 10 [get_ports clk]\n"
                  "report_power -instances [get_cells u_probe] -digits 6", workdir)
    internal = _power_line(out, "u_probe")[0]
    factor = internal / 1e-4    # 1 pJ per 10 ns = 100 uW
    for k in (1.0, 2.0):
        if abs(factor - k) < 0.01 * k:
            return k
    raise ToolError(f"OpenSTA reports {internal:.3e} W for 1 pJ per 10 ns clock cycle; "
                    "neither convention (1x or 2x) fits")


def _clk_to_out(out: str, view: str) -> float | None:
    m = re.search(rf"^\s*({_FLOAT})\s+({_FLOAT})\s+[\^v]\s+u_mram/DOUT\[0\]", out, re.M)
    return float(m.group(1)) if m else None


def _constraint(out: str, kind: str) -> float | None:
    m = re.search(rf"^\s*({_FLOAT})\s+({_FLOAT})\s+library {kind} time", out, re.M)
    return float(m.group(1)) if m else None


def check_sta(views: MacroViews, workdir: Path | None = None,
              activities: tuple[tuple[float, float], ...] = ((1.0, 0.0), (1.0, 1.0),
                                                             (0.5, 0.25))) -> CheckResult:
    """Every corner: read, link, clock-to-DOUT / setup / hold against the technology file.
    Typical corner: report_power against `expected_power_uw` for each (P(CE), P(WE))."""
    r = CheckResult("opensta")
    with tempfile.TemporaryDirectory(prefix="eqchip_sta_") as tmp:
        wd = Path(workdir or tmp)
        factor = sta_convention_factor(wd / "probe")
        r.details["opensta_internal_power_factor"] = factor
        (wd / "probe_top.v").write_text(_wrapper(views))
        typical = views.spec.tech.typical_corner
        for corner in views.spec.tech.corners:
            el = electrical(views.spec, corner)
            period = max(2.0 * el.min_period_ns, 20.0)
            base = (f"read_liberty {views.liberty[corner.name].resolve()}\n"
                    f"read_verilog probe_top.v\nlink_design eqchip_macro_probe\n"
                    + _SDC.format(period=period))
            out = run_sta(base + "report_checks -from [get_pins u_mram/CLK] -digits 4\n"
                          "report_checks -to [get_pins u_mram/DIN[0]] -digits 4\n"
                          "report_checks -to [get_pins u_mram/DIN[0]] -path_delay min "
                          "-digits 4\n", wd)
            _timing(r, corner.name, out, el)
            if corner.name == typical.name:
                f_mhz = 1000.0 / period
                for p_ce, p_we in activities:
                    _power(r, views, wd, base, el, f_mhz, p_ce, p_we, factor)
    return r


def _timing(r: CheckResult, corner: str, out: str, el: Electrical) -> None:
    for what, got, want in (("clock-to-DOUT", _clk_to_out(out, corner), el.read_ns),
                            ("setup", _constraint(out, "setup"), el.setup_ns),
                            ("hold", _constraint(out, "hold"), el.hold_ns)):
        if got is None:
            r.problems.append(f"{corner}: OpenSTA reported no {what} arc")
            continue
        got = abs(got)  # the setup line is printed as a negative adjustment
        if abs(got - want) > max(1e-3, 0.01 * want):
            r.problems.append(f"{corner}: OpenSTA {what} {got} ns, technology file {want:.4f} ns")
        else:
            r.details[f"{corner}_{what}_ns"] = got


def _power(r: CheckResult, views: MacroViews, wd: Path, base: str, el: Electrical,
           f_mhz: float, p_ce: float, p_we: float, factor: float) -> None:
    out = run_sta(base + f"set_power_activity -input_ports [get_ports ce] -activity 0 "
                         f"-duty {p_ce}\n"
                         f"set_power_activity -input_ports [get_ports we] -activity 0 "
                         f"-duty {p_we}\n"
                         "report_power -instances [get_cells u_mram] -digits 6\n", wd)
    internal_w, _sw, leak_w, _total = _power_line(out, "u_mram")
    want = expected_power_uw(el, f_mhz, p_ce, p_we)
    got = internal_w * 1e6 / factor + leak_w * 1e6
    err = abs(got - want["total_uw"]) / want["total_uw"]
    key = f"power_ce{p_ce}_we{p_we}"
    r.details[f"{key}_sta_uw"] = round(got, 6)
    r.details[f"{key}_hand_uw"] = round(want["total_uw"], 6)
    r.details[f"{key}_error_pct"] = round(100.0 * err, 4)
    if err > POWER_TOLERANCE:
        r.problems.append(f"report_power {got:.4f} uW vs hand calculation "
                          f"{want['total_uw']:.4f} uW at f = {f_mhz:.2f} MHz, P(CE) = {p_ce}, "
                          f"P(WE) = {p_we} ({100 * err:.2f} % > {100 * POWER_TOLERANCE:.0f} %)")


# ---------------------------------------------------------------- all

def check_macro_views(views: MacroViews, pdk_root: Path | None = None) -> list[CheckResult]:
    tech = read_tech_lef(find_tech_lef(pdk_root))
    return [check_pins(views), check_lef_geometry(views, tech), check_gds(views),
            check_sta(views)]
