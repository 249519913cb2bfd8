"""Hand calculation of an MRAM macro's energy, leakage, area and read time, written out from the
equations of docs/mram.md ("The macro model") and the raw numbers of a technology YAML file.

Deliberately independent of eqchip.config.mram_model: plain arithmetic on the YAML dictionary, for
one macro whose organisation (rows, column mux) the caller states."""

from __future__ import annotations

import math
from pathlib import Path

import yaml

TECH_YAML = Path(__file__).resolve().parent.parent / "pdk_cfg" / "mram" / "stt_sky130.yaml"


def raw_tech(path: Path = TECH_YAML) -> dict:
    return yaml.safe_load(path.read_text())


def hand(raw: dict, words: int, bits: int, mux: int) -> dict[str, float]:
    cell, p, wv = raw["cell"], raw["periphery"], raw["write_verify"]
    V = p["supply_v"]                                   # typical corner
    all_rows = math.ceil(words / mux)
    n_sub = math.ceil(all_rows / p["subarray_rows_max"])     # equal subarrays, one active
    rows = math.ceil(all_rows / n_sub)
    cols = bits * mux
    A = math.ceil(math.log2(words)) if words > 1 else 0
    Ar = math.ceil(math.log2(rows)) if rows > 1 else 0
    h = math.sqrt(cell["area_um2"] * cell["aspect_ratio"])      # um, along the bit line
    w = math.sqrt(cell["area_um2"] / cell["aspect_ratio"])      # um, along the word line
    L_bl, L_wl = rows * h, cols * w
    L_bus = n_sub * L_bl if n_sub > 1 else 0.0              # global bus along the subarrays
    C_bus = L_bus * p["bitline_cap_ff_per_um"]
    # capacitances in fF
    C_bl = (rows * (cell["access_width_um"] * p["junction_cap_ff_per_um"] / 2
                    + h * p["bitline_cap_ff_per_um"])
            + mux * p["mux_width_um"] * p["junction_cap_ff_per_um"])
    C_wl = cols * (cell["access_width_um"] * p["gate_cap_ff_per_um"]
                   + w * p["wordline_cap_ff_per_um"])
    C_gate = p["decoder_gate_cap_pf"] * 1000
    f = p["stage_effort"]
    # energies in fJ (fF x V^2); converted to pJ at the end
    E_dec = 0.0
    for _ in range(Ar // 2):                            # 2-to-4 predecoders
        E_dec += 0.75 * (rows / 4 * C_gate + L_bl * p["bitline_cap_ff_per_um"]) * V ** 2
    if Ar % 2:                                          # one 1-to-2 group
        E_dec += 0.5 * (rows / 2 * C_gate + L_bl * p["bitline_cap_ff_per_um"]) * V ** 2
    if mux > 1:
        C_sel = bits * p["mux_width_um"] * p["gate_cap_ff_per_um"] + L_wl * p[
            "wordline_cap_ff_per_um"]
        E_dec += (1 - 1 / mux) * C_sel * V ** 2
    E_wl = C_wl * V ** 2 * f / (f - 1)
    E_bus = (0.5 * (A + 2) + (1 - 1 / n_sub) + 0.5 * bits) * C_bus * V ** 2
    E_ff = (p["register_clock_pj"] + p["register_toggle_pj"] / 2) * 1000 \
        + p["register_clock_pin_pf"] * 1000 * V ** 2
    t_bl = 2.2 * p["driver_kohm"] * C_bl / 1000         # ns
    t_win = t_bl + p["sense_latency_ns"]
    I_read = cell["read_voltage_v"] * (1 / cell["r_p_kohm"] + 1 / cell["r_ap_kohm"]) / 2  # mA
    E_blr = bits * C_bl * cell["read_voltage_v"] * V
    E_cell = bits * I_read * V * t_win * 1000           # mA x V x ns = pJ -> fJ
    E_sa = bits * (I_read * V * t_win * 1000 + p["sense_energy_pj"] * 1000)
    read = ((A + 2) * E_ff + E_bus + E_dec + E_wl + E_blr + E_cell + E_sa + bits * E_ff) / 1000
    n = 1 / (1 - wv["retry_probability"]) if wv["enabled"] else 1.0
    verify = n * (E_blr + E_cell + E_sa) if wv["enabled"] else 0.0
    write = ((A + 2 + bits) * E_ff + E_bus + E_dec + E_wl
             + n * bits * C_bl * V ** 2 * f / (f - 1)
             + n * bits * cell["write_current_ua"] * V * cell["write_pulse_ns"]   # uA V ns = fJ
             + verify) / 1000
    leak_nw = (n_sub * rows * (p["decoder_gate_leakage_nw"] + p["wl_driver_leakage_nw"])
               + n_sub * bits * (p["sense_leakage_nw"] + p["write_driver_leakage_nw"])
               + (A + 2 + 2 * bits) * p["register_leakage_nw"])
    leakage_uw = leak_nw / 1000 + p["bias_current_ua"] * V
    n_pre = 4 * (Ar // 2) + 2 * (Ar % 2)
    area = (n_sub * (rows * cols * cell["area_um2"]
                     + rows * (p["decoder_gate_area_um2"] + p["wl_driver_area_um2"])
                     + n_pre * p["decoder_gate_area_um2"]
                     + bits * (p["sense_amp_area_um2"] + p["write_driver_area_um2"])
                     + (mux * p["decoder_gate_area_um2"] if mux > 1 else 0))
            + (A + 2 + 2 * bits) * p["register_area_um2"] + p["control_area_um2"])
    effort = rows * C_wl / C_gate
    t_dec = max(1.0, math.log(effort, f)) * p["fo4_ns"]
    t_wl = 0.38 * p["wordline_res_ohm_per_um"] * L_wl * C_wl * 1e-6   # ohm x fF = 1e-6 ns
    t_bus = 0.38 * p["wordline_res_ohm_per_um"] * L_bus * C_bus * 1e-6
    read_ns = (p["register_clk_to_q_ns"] + 2 * t_bus + t_dec + t_wl + t_bl
               + p["sense_latency_ns"] + p["fo4_ns"])
    write_ns = (p["register_clk_to_q_ns"] + t_bus + t_dec + t_wl + t_bl + cell["write_pulse_ns"]
                + (t_bl + p["sense_latency_ns"] if wv["enabled"] else 0.0))
    return {"subarrays": n_sub, "rows": rows, "read_pj": read, "write_pj": write,
            "leakage_uw": leakage_uw, "area_um2": area, "read_ns": read_ns,
            "write_ns": write_ns, "bitline_ff": C_bl, "wordline_ff": C_wl}
