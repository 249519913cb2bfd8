"""Physical abstract of a macro: size, pin shapes, power straps and obstructions.

All coordinates are integers in nanometres (the sky130 manufacturing grid is 5 nm), so every
edge is on grid by construction. Size: the technology's area at an aspect ratio inside its
limits, rounded up to whole placement sites (0.46 x 2.72 um). Signal pins: on every n-th routing
track (`pin_pitch_tracks`), spread along the edges - met2 (vertical) on the bottom and top
edges, met3 (horizontal) on the left and right edges - each touching the boundary and reaching
`pin_length_um` inside. Power: met4 VPWR/VGND strap pairs on met4 tracks, over the full height
minus an edge margin. Obstructions: the whole macro on every obstruction layer, minus a band of
pin length + spacing along each edge that carries pins of that layer."""

from __future__ import annotations

import math
from dataclasses import dataclass

from eqchip.errors import ConfigError
from eqchip.macros.ports import POWER_PORTS, Port, signal_ports
from eqchip.macros.spec import MacroSpec
from eqchip.macros.techlef import RoutingLayer, TechLef

NM = 1000  # nm per um


def nm(x_um: float) -> int:
    return int(round(x_um * NM))


def um(x_nm: int) -> float:
    return x_nm / NM


def _up(x: int, step: int) -> int:
    return -(-x // step) * step


@dataclass(frozen=True)
class Shape:
    layer: str
    x0: int
    y0: int
    x1: int
    y1: int

    def overlaps(self, o: Shape, gap: int = 0) -> bool:
        """True if the rectangles overlap or are closer than `gap` (same layer only)."""
        return (self.layer == o.layer and self.x0 < o.x1 + gap and o.x0 < self.x1 + gap
                and self.y0 < o.y1 + gap and o.y0 < self.y1 + gap)


@dataclass(frozen=True)
class PinGeom:
    name: str            # bit name, e.g. ADDR[3]
    port: Port
    edge: str            # bottom, top, left, right or "strap"
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Floorplan:
    width: int
    height: int
    pins: tuple[PinGeom, ...]
    obstructions: tuple[Shape, ...]
    tech: TechLef

    @property
    def area_um2(self) -> float:
        return um(self.width) * um(self.height)


_EDGES = (("bottom", "VERTICAL"), ("left", "HORIZONTAL"), ("right", "HORIZONTAL"),
          ("top", "VERTICAL"))


def _edge_layers(spec: MacroSpec, tech: TechLef) -> dict[str, RoutingLayer]:
    """Which allowed signal layer serves each edge (vertical layers on bottom/top)."""
    out: dict[str, RoutingLayer] = {}
    layers = [tech.layer(n) for n in spec.tech.physical.signal_layers]
    for edge, direction in _EDGES:
        match = [ly for ly in layers if ly.direction == direction]
        if match:
            out[edge] = match[0]
    return out


def _margin(spec: MacroSpec, tech: TechLef) -> int:
    """Keep-out from the corners and the depth of the pin band (on grid)."""
    g = nm(tech.grid)
    spacing = max(tech.layer(n).spacing for n in spec.tech.physical.signal_layers)
    return _up(nm(spec.tech.physical.pin_length_um + spacing) + nm(1.0), g)


def _slots(ly: RoutingLayer, length: int, margin: int, every: int) -> list[int]:
    """Track centres along an edge of `length` nm, at least `margin` from both ends."""
    pitch, off = nm(ly.pitch), nm(ly.offset)
    first = off + _up(max(0, margin - off), pitch)
    return list(range(first, length - margin + 1, pitch * every))


def _capacity(spec: MacroSpec, tech: TechLef, w: int, h: int) -> int:
    every = spec.tech.physical.pin_pitch_tracks
    m = _margin(spec, tech)
    total = 0
    for edge, ly in _edge_layers(spec, tech).items():
        total += len(_slots(ly, w if edge in ("bottom", "top") else h, m, every))
    return total


def macro_size(spec: MacroSpec, tech: TechLef) -> tuple[int, int]:
    """Width and height in nm: area from the technology, aspect ratio inside its limits, whole
    sites; grown (keeping the aspect ratio limits) until every signal pin has a track."""
    ph = spec.tech.physical
    sw, sh = nm(tech.site_width), nm(tech.site_height)
    ratio = min(max(1.0, ph.aspect_ratio_min), ph.aspect_ratio_max)
    n_pins = sum(p.width for p in signal_ports(spec))
    area = spec.area_um2
    for _ in range(200):
        w = _up(nm(math.sqrt(area * ratio)), sw)
        h = _up(nm(area / um(w)), sh)
        if _capacity(spec, tech, w, h) >= n_pins:
            return w, h
        area *= 1.1
    raise ConfigError(
        f"{spec.tech.name}: cannot place {n_pins} pins of {spec.name} on its edges",
        hint="allow more signal layers (physical.signal_layers) or lower "
             "physical.pin_pitch_tracks in the technology file")


def _spread(slots: list[int], n: int) -> list[int]:
    if n == 0:
        return []
    if n == 1:
        return [slots[len(slots) // 2]]
    return [slots[round(i * (len(slots) - 1) / (n - 1))] for i in range(n)]


def _pin_width(ly: RoutingLayer, every: int, grid: int) -> int:
    w = min(2 * nm(ly.width), every * nm(ly.pitch) - nm(ly.spacing))
    return max(nm(ly.width), (w // (2 * grid)) * 2 * grid)


def _signal_pins(spec: MacroSpec, tech: TechLef, w: int, h: int) -> list[PinGeom]:
    ph = spec.tech.physical
    g, every, m = nm(tech.grid), ph.pin_pitch_tracks, _margin(spec, tech)
    depth = _up(nm(ph.pin_length_um), g)
    bits = [(p, b) for p in signal_ports(spec) for b in p.bit_names()]
    pins: list[PinGeom] = []
    for edge, ly in _edge_layers(spec, tech).items():
        if not bits:
            break
        slots = _slots(ly, w if edge in ("bottom", "top") else h, m, every)
        take, bits = bits[:len(slots)], bits[len(slots):]
        half = _pin_width(ly, every, g) // 2
        for (port, bit), c in zip(take, _spread(slots, len(take)), strict=True):
            if edge == "bottom":
                s = Shape(ly.name, c - half, 0, c + half, depth)
            elif edge == "top":
                s = Shape(ly.name, c - half, h - depth, c + half, h)
            elif edge == "left":
                s = Shape(ly.name, 0, c - half, depth, c + half)
            else:
                s = Shape(ly.name, w - depth, c - half, w, c + half)
            pins.append(PinGeom(bit, port, edge, (s,)))
    if bits:  # macro_size guarantees room
        raise AssertionError("pins left over after placement")
    return pins


def _power_pins(spec: MacroSpec, tech: TechLef, w: int, h: int) -> list[PinGeom]:
    ph = spec.tech.physical
    ly = tech.layer(ph.power_layer)
    g, pitch, off = nm(tech.grid), nm(ly.pitch), nm(ly.offset)
    half = max(nm(ly.width), (nm(ph.power_strap_width_um) // (2 * g)) * 2 * g) // 2
    m = _margin(spec, tech)
    # Distance between the VPWR and VGND strap of a pair: width + spacing, on whole tracks.
    sep = _up(2 * half + max(nm(ly.spacing), nm(1.0)), pitch)
    usable = w - 2 * m - sep - 2 * half
    if usable < 0:
        raise ConfigError(f"{spec.name} is too narrow ({um(w)} um) for a VPWR/VGND strap pair",
                          hint="lower physical.power_strap_width_um in the technology file")
    n_pairs = max(1, int(usable // nm(ph.power_strap_pitch_um)) + 1)
    y0, y1 = m, h - m
    vpwr: list[Shape] = []
    vgnd: list[Shape] = []
    for i in range(n_pairs):
        target = m + half + (usable * (i + 0.5) / n_pairs if n_pairs > 1 else usable / 2)
        x = off + int(round((target - off) / pitch)) * pitch
        x = min(max(x, off + _up(max(0, m + half - off), pitch)), w - m - half - sep)
        x = off + ((x - off) // pitch) * pitch
        vpwr.append(Shape(ly.name, x - half, y0, x + half, y1))
        vgnd.append(Shape(ly.name, x + sep - half, y0, x + sep + half, y1))
    return [PinGeom("VPWR", POWER_PORTS[0], "strap", tuple(vpwr)),
            PinGeom("VGND", POWER_PORTS[1], "strap", tuple(vgnd))]


def _obstructions(spec: MacroSpec, tech: TechLef, w: int, h: int,
                  pins: list[PinGeom]) -> list[Shape]:
    ph = spec.tech.physical
    g = nm(tech.grid)
    out = []
    for name in ph.obstruction_layers:
        if name == ph.power_layer:
            raise ConfigError(f"{spec.tech.name}: physical.obstruction_layers contains the power "
                              f"layer {name}", hint="remove it; the power straps live there")
        ly = tech.layers.get(name)
        band = _up(nm(ph.pin_length_um) + nm(ly.spacing if ly else 0.3), g)
        edges = {p.edge for p in pins if p.shapes[0].layer == name}
        out.append(Shape(name, band if "left" in edges else 0, band if "bottom" in edges else 0,
                         w - band if "right" in edges else w, h - band if "top" in edges else h))
    return out


def floorplan(spec: MacroSpec, tech: TechLef) -> Floorplan:
    w, h = macro_size(spec, tech)
    pins = _signal_pins(spec, tech, w, h)
    power = _power_pins(spec, tech, w, h)
    obs = _obstructions(spec, tech, w, h, pins)
    return Floorplan(w, h, tuple(pins + power), tuple(obs), tech)
