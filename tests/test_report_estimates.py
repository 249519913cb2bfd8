"""Pre-layout clock-tree and wire estimates (eqchip.report.estimates) on the real sky130
Liberty, and the MRAM sensitivity table (eqchip.report.sensitivity)."""

from __future__ import annotations

import math
import re

import pytest

from eqchip.report.estimates import (
    WireLoad,
    WireLoads,
    clock_tree_estimate,
    output_internal_energy_pj,
    parse_wire_loads,
    pin_capacitance_pf,
    select_wire_load,
    wire_estimate,
)
from eqchip.report.sensitivity import sensitivity


@pytest.fixture(scope="module")
def lib_text(pdk_root):
    return (pdk_root / "sky130A" / "libs.ref" / "sky130_fd_sc_hd" / "lib" /
            "sky130_fd_sc_hd__tt_025C_1v80.lib").read_text()


def test_sky130_wire_loads_are_read_from_the_liberty(lib_text):
    loads = parse_wire_loads(lib_text)
    assert set(loads.models) == {"Small", "Medium", "Large", "Huge"}
    assert loads.default == "Small"
    # The numbers, found in the text independently of the parser:
    block = lib_text[lib_text.index('wire_load("Medium")'):]
    block = block[:block.index("}")]
    cap = float(re.search(r"capacitance : ([0-9.e-]+);", block).group(1))
    lengths = dict((int(a), float(b)) for a, b in
                   re.findall(r"fanout_length\( (\d+), ([0-9.]+)\)", block))
    slope = float(re.search(r"slope : ([0-9.]+);", block).group(1))
    wl = loads.models["Medium"]
    assert wl.net_cap_pf(3) == pytest.approx(cap * lengths[3])
    top = max(lengths)
    assert wl.length_um(top + 4) == pytest.approx(lengths[top] + 4 * slope)
    assert wl.length_um(0) == 0.0


def test_wire_load_selection_by_area():
    def wl(name, c):
        return WireLoad(name, c, 0.0, 1.0, {1: 10.0, 2: 20.0})

    loads = WireLoads({n: wl(n, c) for n, c in (("Small", 1.0), ("Medium", 2.0),
                                                ("Large", 3.0), ("Huge", 4.0))}, "Small", ())
    assert select_wire_load(loads, 1e4)[0].name == "Small"
    assert select_wire_load(loads, 5e5)[0].name == "Medium"
    assert select_wire_load(loads, 2e6)[0].name == "Large"
    assert select_wire_load(loads, 1e8)[0].name == "Huge"
    # A Liberty selection group wins over the thresholds.
    sel = WireLoads(loads.models, "Small", ((0.0, 1e9, "Large"),))
    model, why = select_wire_load(sel, 1e4)
    assert model.name == "Large" and "wire_load_selection" in why


def test_wire_power_by_hand(lib_text):
    loads = parse_wire_loads(lib_text)
    wl, why = select_wire_load(loads, 20_000.0)
    assert wl.name == "Small" and "threshold" in why
    fanouts = {1: 300, 2: 120, 3: 40, 9: 5}
    est = wire_estimate(fanouts, wl, why, 1.8, 50.0, 0.1)
    cap = sum(n * 1.42e-05 * wl.length_um(fo) for fo, n in fanouts.items())
    assert est.cap_pf == pytest.approx(cap)
    assert est.power_uw == pytest.approx(0.5 * 0.1 * cap * 1.8 ** 2 * 50.0)
    assert est.label.startswith("estimate") and est.nets == 465
    # More activity or a faster clock costs more; zero activity costs nothing.
    assert wire_estimate(fanouts, wl, why, 1.8, 100.0, 0.1).power_uw > est.power_uw
    assert wire_estimate(fanouts, wl, why, 1.8, 50.0, 0.0).power_uw == 0.0


def test_clock_tree_by_hand(lib_text):
    wl = parse_wire_loads(lib_text).models["Small"]
    c_ff = pin_capacitance_pf(lib_text, "sky130_fd_sc_hd__dfxtp_1", "CLK")
    c_cg = pin_capacitance_pf(lib_text, "sky130_fd_sc_hd__dlclkp_1", "CLK")
    c_buf = pin_capacitance_pf(lib_text, "sky130_fd_sc_hd__clkbuf_4", "A")
    e_buf = output_internal_energy_pj(lib_text, "sky130_fd_sc_hd__clkbuf_4", "X")
    assert c_ff == pytest.approx(0.001794)
    assert 0 < c_buf < 0.01 and 0 < e_buf < 0.1
    est = clock_tree_estimate(230, 20, c_ff, c_cg, c_buf, wl, 1.8, 50.0, 10, e_buf)
    # 250 sinks, 10 per buffer: 25 + 3 + 1 buffers in 3 levels
    assert (est.sinks, est.buffers, est.levels) == (250, 29, 3)
    wire = 25 * wl.net_cap_pf(10) + 3 * wl.net_cap_pf(9) + 1 * wl.net_cap_pf(3)
    assert est.wire_cap_pf == pytest.approx(wire)
    cap = 230 * c_ff + 20 * c_cg + 29 * c_buf + wire
    assert est.cap_pf == pytest.approx(cap)
    assert est.power_uw == pytest.approx(cap * 1.8 ** 2 * 50 + 29 * e_buf * 50)
    assert "estimate" in est.label
    # More flip-flops never make a smaller tree.
    prev = 0.0
    for n in (1, 9, 10, 11, 99, 1000, 5000):
        e = clock_tree_estimate(n, 0, c_ff, c_cg, c_buf, wl, 1.8, 50.0)
        assert e.buffers >= math.ceil(n / 10) and e.power_uw > prev
        prev = e.power_uw
    assert clock_tree_estimate(0, 0, c_ff, c_cg, c_buf, wl, 1.8, 50.0).power_uw == 0.0


def test_sensitivity_table():
    parts = {"logic_dynamic": 600.0, "logic_leakage": 10.0, "mram_read": 300.0,
             "mram_write": 80.0, "mram_leakage": 10.0}
    s = sensitivity(parts, macs=100)
    assert s.baseline_pj == 1000.0 and s.baseline_per_mac_pj == 10.0
    by = {(r.parameter, r.factor): r for r in s.rows}
    assert len(s.rows) == 6
    assert by[("MRAM read energy", 2.0)].energy_per_mac_pj == pytest.approx(13.0)
    assert by[("MRAM read energy", 0.5)].energy_per_mac_pj == pytest.approx(8.5)
    assert by[("MRAM write energy", 2.0)].change_pct == pytest.approx(8.0)
    assert by[("MRAM leakage", 0.5)].change_pct == pytest.approx(-0.5)
    assert s.most_sensitive() == "MRAM read energy"
    with pytest.raises(ValueError, match="mram_write"):
        sensitivity({"mram_read": 1.0, "mram_leakage": 1.0}, 10)
    with pytest.raises(ValueError, match="macs"):
        sensitivity(parts, 0)


def test_power_node_reads_the_same_wire_loads_as_the_report(lib_text):
    """The synthesis.power node records the Liberty wire loads (eqchip.power.clock_wire) that
    the report turns back into models: both readers agree on the real Liberty."""
    from eqchip.power.clock_wire import liberty_wire_loads
    from eqchip.report.preestimates import wire_loads

    rec = liberty_wire_loads(lib_text)
    mine, ref = wire_loads(rec), parse_wire_loads(lib_text)
    assert mine == ref
