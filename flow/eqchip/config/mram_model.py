"""The MRAM macro model: energy per access, latency, leakage and area of one macro, part by part,
from its geometry (rows, columns, word width, column multiplexing) and the technology file.

Pure functions of (words, bits, technology, corner); every equation is written out in
docs/mram.md ("The macro model") and every constant is a field of the technology file with its
source there. Units: pF, V, kohm, uA, ns, pJ, uW, um^2 (pF x V^2 = pJ, kohm x pF = ns,
uA x V x ns = fJ).

Only `eqchip.config.mram_tech` is imported, so the design checks (clock against the macro's
access time) can use the model too."""

from __future__ import annotations

import math
from dataclasses import dataclass

from eqchip.config.mram_tech import Corner, MramTech

FF = 1e-3    # fF -> pF
FJ = 1e-3    # fJ -> pJ (uA x V x ns)


def _clog2(n: int) -> int:
    return max(0, (n - 1).bit_length())


@dataclass(frozen=True)
class Organisation:
    """How `words` x `bits` sit in the macro: `mux` words share a row, and the ceil(words/mux)
    rows are split into `subarrays` equal subarrays of `rows` word lines and `cols` = bits x mux
    bit lines each (one subarray is active per access)."""

    words: int
    bits: int
    mux: int
    subarrays: int
    rows: int               # word lines per subarray
    cols: int
    addr_bits: int          # ADDR pins
    row_addr_bits: int      # decoded by the row decoder
    cell_width_um: float    # along the word line
    cell_height_um: float   # along the bit line

    @property
    def bitline_um(self) -> float:
        return self.rows * self.cell_height_um

    @property
    def wordline_um(self) -> float:
        return self.cols * self.cell_width_um

    @property
    def bus_um(self) -> float:
        """Global address/data bus along the stacked subarrays (0 with one subarray)."""
        return self.subarrays * self.bitline_um if self.subarrays > 1 else 0.0


def choose_mux(words: int, bits: int, mux_max: int) -> int:
    """Largest power of two m <= mux_max (and <= words) that keeps the array at least as tall as
    it is wide in cells: ceil(words / m) >= bits x m. 1 if none does."""
    best, m = 1, 2
    while m <= mux_max and m <= words:
        if -(-words // m) >= bits * m:
            best = m
        m *= 2
    return best


def organisation(words: int, bits: int, tech: MramTech, mux: int | None = None) -> Organisation:
    m = mux or choose_mux(words, bits, tech.periphery.column_mux_max)
    all_rows = -(-words // m)
    n_sub = -(-all_rows // tech.periphery.subarray_rows_max)
    rows = -(-all_rows // n_sub)
    c = tech.cell
    return Organisation(
        words=words, bits=bits, mux=m, subarrays=n_sub, rows=rows, cols=bits * m,
        addr_bits=_clog2(words), row_addr_bits=_clog2(rows),
        cell_width_um=math.sqrt(c.area_um2 / c.aspect_ratio),
        cell_height_um=math.sqrt(c.area_um2 * c.aspect_ratio))


@dataclass(frozen=True)
class Capacitances:
    bitline_pf: float        # one bit line (or source line) with its cells and the mux node
    wordline_pf: float       # one word line: access-transistor gates + wire
    predecode_lines: tuple[tuple[int, float], ...]   # (lines in the group, pF per line)
    colsel_pf: float         # one column-select line (0 without multiplexing)
    bus_pf: float            # one global bus line (0 with one subarray)


def capacitances(org: Organisation, tech: MramTech) -> Capacitances:
    p, c = tech.periphery, tech.cell
    bl = (org.rows * (c.access_width_um * p.junction_cap_ff_per_um / 2.0
                      + org.cell_height_um * p.bitline_cap_ff_per_um)
          + org.mux * p.mux_width_um * p.junction_cap_ff_per_um) * FF
    wl = org.cols * (c.access_width_um * p.gate_cap_ff_per_um
                     + org.cell_width_um * p.wordline_cap_ff_per_um) * FF
    groups = [4] * (org.row_addr_bits // 2) + [2] * (org.row_addr_bits % 2)
    wire = org.bitline_um * p.bitline_cap_ff_per_um * FF
    pre = tuple((k, org.rows / k * p.decoder_gate_cap_pf + wire) for k in groups)
    colsel = 0.0
    if org.mux > 1:
        colsel = (org.bits * p.mux_width_um * p.gate_cap_ff_per_um
                  + org.wordline_um * p.wordline_cap_ff_per_um) * FF
    bus = org.bus_um * p.bitline_cap_ff_per_um * FF
    return Capacitances(bl, wl, pre, colsel, bus)


@dataclass(frozen=True)
class MacroModel:
    """Every number of one macro at one corner. The dicts are ordered parts that sum to the
    totals (energies in pJ per access, leakage in uW, area in um^2, delays in ns)."""

    org: Organisation
    corner: Corner
    vdd: float
    caps: Capacitances
    read_window_ns: float               # how long the read current flows
    write_attempts: float               # expected write pulses per write (write-verify retries)
    read_parts: dict[str, float]
    write_parts: dict[str, float]
    leakage_parts: dict[str, float]
    area_parts: dict[str, float]
    read_delay_parts: dict[str, float]
    write_delay_parts: dict[str, float]

    @property
    def read_energy_pj(self) -> float:
        return sum(self.read_parts.values())

    @property
    def write_energy_pj(self) -> float:
        return sum(self.write_parts.values())

    @property
    def leakage_uw(self) -> float:
        return sum(self.leakage_parts.values())

    @property
    def area_um2(self) -> float:
        return sum(self.area_parts.values())

    @property
    def read_ns(self) -> float:
        return sum(self.read_delay_parts.values())

    @property
    def write_ns(self) -> float:
        return sum(self.write_delay_parts.values())


def area_parts(org: Organisation, tech: MramTech) -> dict[str, float]:
    """Area of the macro (independent of the corner)."""
    p = tech.periphery
    n_pre = sum(k for k in [4] * (org.row_addr_bits // 2) + [2] * (org.row_addr_bits % 2))
    registers = org.addr_bits + 2 + 2 * org.bits
    n = org.subarrays
    return {
        "cell array": n * org.rows * org.cols * tech.cell.area_um2,
        "row decoder and word-line drivers": n * (org.rows * (p.decoder_gate_area_um2
                                                              + p.wl_driver_area_um2)
                                                  + n_pre * p.decoder_gate_area_um2),
        "column mux, sense amplifiers, write drivers": n * (
            org.bits * (p.sense_amp_area_um2 + p.write_driver_area_um2)
            + (org.mux * p.decoder_gate_area_um2 if org.mux > 1 else 0.0)),
        "I/O registers": registers * p.register_area_um2,
        "control and timing": p.control_area_um2,
    }


def macro_model(words: int, bits: int, tech: MramTech, corner: Corner | None = None,
                mux: int | None = None) -> MacroModel:
    corner = corner or tech.typical_corner
    p, c = tech.periphery, tech.cell
    org = organisation(words, bits, tech, mux)
    caps = capacitances(org, tech)
    v = corner.voltage
    s = (v / p.supply_v) ** 2                     # Liberty/NVSim energies were taken at supply_v
    d = corner.delay_scale
    b = org.bits
    f = p.stage_effort
    chain = f / (f - 1.0)                         # load + tapered driver chain: C (1 + 1/(f-1))

    # ---- energy parts shared by read and write (pJ)
    # one flip-flop per access: internal energy (Liberty, at supply_v: times s) + its clock pin
    e_reg = (p.register_clock_pj + 0.5 * p.register_toggle_pj) * s \
        + p.register_clock_pin_pf * v * v
    e_rowdec = sum((1.0 - 1.0 / k) * cl * v * v for k, cl in caps.predecode_lines)
    e_coldec = (1.0 - 1.0 / org.mux) * caps.colsel_pf * v * v
    e_wl = caps.wordline_pf * v * v * chain
    decoders = e_rowdec + e_coldec
    # global bus: address + CE/WE lines and the data lines toggle with probability 1/2, one
    # subarray-select line changes with probability 1 - 1/n
    n_sub = org.subarrays
    e_bus_ctl = (0.5 * (org.addr_bits + 2) + (1.0 - 1.0 / n_sub)) * caps.bus_pf * v * v
    e_bus_data = 0.5 * org.bits * caps.bus_pf * v * v

    # ---- delays (ns)
    path_effort = max(org.rows, 1) * caps.wordline_pf / p.decoder_gate_cap_pf
    t_dec = max(1.0, math.log(path_effort) / math.log(f)) * p.fo4_ns * d
    wire_r_ohm = p.wordline_res_ohm_per_um * org.wordline_um
    t_wl = 0.38 * wire_r_ohm * caps.wordline_pf * 1e-3 * d      # distributed RC (Elmore)
    t_bl = 2.2 * p.driver_kohm * caps.bitline_pf * d            # bit line to 90 % of its level
    t_sa = p.sense_latency_ns * d
    t_clkq = p.register_clk_to_q_ns * d
    t_bus = 0.38 * p.wordline_res_ohm_per_um * org.bus_um * caps.bus_pf * 1e-3 * d
    read_window = t_bl + t_sa

    # ---- read (one word of b bits)
    i_cell = c.read_voltage_v * 0.5 * (1.0 / c.r_p_kohm + 1.0 / c.r_ap_kohm) * 1e3  # uA, mean
    e_bl = b * caps.bitline_pf * c.read_voltage_v * v
    e_cell_read = b * i_cell * v * read_window * FJ
    e_sense = b * (i_cell * v * read_window * FJ + p.sense_energy_pj * s)
    read_parts = {
        "input registers (ADDR, CE, WE)": (org.addr_bits + 2) * e_reg,
        "global address and data bus": e_bus_ctl + e_bus_data,
        "row and column decoders": decoders,
        "word-line driver and word line": e_wl,
        "bit-line precharge to the read voltage": e_bl,
        "cell read current": e_cell_read,
        "sense amplifiers (reference current + I-V converter)": e_sense,
        "output register (DOUT)": b * e_reg,
    }

    # ---- write
    wv = tech.write_verify
    attempts = 1.0 / (1.0 - wv.retry_probability) if wv.enabled else 1.0
    e_drive = attempts * b * caps.bitline_pf * v * v * chain
    e_cell_write = attempts * b * c.write_current_ua * v * c.write_pulse_ns * FJ
    e_verify = attempts * (e_bl + e_cell_read + e_sense) if wv.enabled else 0.0
    write_parts = {
        "input registers (ADDR, CE, WE, DIN)": (org.addr_bits + 2 + b) * e_reg,
        "global address and data bus": e_bus_ctl + e_bus_data,
        "row and column decoders": decoders,
        "word-line driver and word line": e_wl,
        "write drivers and bit-line charging": e_drive,
        "cell write current": e_cell_write,
        "write-verify reads": e_verify,
    }

    # ---- leakage (uW)
    nw = 1e-3 * corner.leakage_scale
    registers = org.addr_bits + 2 + 2 * b
    leakage_parts = {
        "row decoder and word-line drivers": n_sub * org.rows * (
            p.decoder_gate_leakage_nw + p.wl_driver_leakage_nw) * nw,
        "sense amplifiers and write drivers": n_sub * b * (
            p.sense_leakage_nw + p.write_driver_leakage_nw) * nw,
        "I/O registers": registers * p.register_leakage_nw * nw,
        "read bias (always on)": p.bias_current_ua * v,
    }

    read_delay = {
        "input register clock-to-Q": t_clkq,
        "global bus (address in, data out)": 2 * t_bus,
        "row decoder and word-line driver": t_dec,
        "word-line wire": t_wl,
        "bit-line settling": t_bl,
        "sense amplifier": t_sa,
        "output driver": p.fo4_ns * d,
    }
    write_delay = {
        "input register clock-to-Q": t_clkq,
        "global bus (address and data in)": t_bus,
        "row decoder and word-line driver": t_dec,
        "word-line wire": t_wl,
        "bit-line charging": t_bl,
        "write pulse": c.write_pulse_ns,
        "verify read": (t_bl + t_sa) if wv.enabled else 0.0,
    }
    return MacroModel(org=org, corner=corner, vdd=v, caps=caps, read_window_ns=read_window,
                      write_attempts=attempts, read_parts=read_parts, write_parts=write_parts,
                      leakage_parts=leakage_parts, area_parts=area_parts(org, tech),
                      read_delay_parts=read_delay, write_delay_parts=write_delay)


def stochastic_write_energy(tech: MramTech, corner: Corner | None = None
                            ) -> list[dict[str, float]]:
    """Energy of one attempted stochastic write at each pulse level 1..K (pJ, part by part;
    `fixed_point.update_rounding: mtj`, docs/mram.md "Stochastic switching"). The lane's
    switching cell sits next to its write driver and sense amplifier (no bit line, no decoder):

        pulse  = V I_k t_k                       (the supply delivers the pulse current)
        sense  = I_rd V t_SA + E_SA s            (read the outcome: cell current + I-V converter)
        reset  = P_k x V I_write t_pulse         (a switched cell is reset with a normal pulse)

    Empty when the technology has no `stochastic_switching` section."""
    sw = tech.stochastic_switching
    if sw is None:
        return []
    corner = corner or tech.typical_corner
    p, c = tech.periphery, tech.cell
    v = corner.voltage
    s = (v / p.supply_v) ** 2
    i_cell = c.read_voltage_v * 0.5 * (1.0 / c.r_p_kohm + 1.0 / c.r_ap_kohm) * 1e3  # uA, mean
    t_sa = p.sense_latency_ns * corner.delay_scale
    sense = i_cell * v * t_sa * FJ + p.sense_energy_pj * s
    reset = v * c.write_current_ua * c.write_pulse_ns * FJ
    return [{"pulse": v * pl.current_ua * pl.width_ns * FJ, "sense": sense,
             "reset": prob * reset}
            for pl, prob in zip(sw.pulses, sw.probabilities[1:-1], strict=True)]
