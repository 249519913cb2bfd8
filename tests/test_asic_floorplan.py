"""Floorplan sizing and macro placement from an area estimate."""

from __future__ import annotations

import itertools

import pytest

from eqchip.asic.floorplan import ROW_H, SITE_W, plan_floorplan


def _on_grid(x: float, step: float) -> bool:
    return abs(x / step - round(x / step)) < 1e-6


@pytest.mark.parametrize("n,std_area", [(1, 2000.0), (2, 85000.0), (5, 300000.0)])
def test_macros_inside_core_apart_and_on_grid(n: int, std_area: float) -> None:
    w, h, halo = 58.0, 60.0, 10.0
    fp = plan_floorplan(std_area, "m", w, h, [f"u{i}" for i in range(n)], 0.4, 10.0, halo)
    x0, y0, x1, y1 = fp.core
    assert len(fp.placements) == n
    for p in fp.placements:
        assert x0 + halo <= p.x + 1e-9 and p.x + w + halo <= x1 + 1e-9
        assert y0 + halo <= p.y + 1e-9 and p.y + h + halo <= y1 + 1e-9
        assert _on_grid(p.x, SITE_W) and _on_grid(p.y, ROW_H)
    for a, b in itertools.combinations(fp.placements, 2):
        apart_x = a.x + w + 2 * halo <= b.x + 1e-9 or b.x + w + 2 * halo <= a.x + 1e-9
        apart_y = a.y + h + 2 * halo <= b.y + 1e-9 or b.y + h + 2 * halo <= a.y + 1e-9
        assert apart_x or apart_y
    assert fp.die[0] >= x1 + 10.0 - 1e-9 and fp.die[1] >= y1 + 10.0 - 1e-9
    # the standard cells fit at (or below) the target utilization
    assert 0.0 < fp.stdcell_utilization <= 0.4 + 1e-9


def test_utilization_follows_target() -> None:
    low = plan_floorplan(100000.0, "m", 58, 60, ["a"], 0.3, 10, 10)
    high = plan_floorplan(100000.0, "m", 58, 60, ["a"], 0.7, 10, 10)
    assert high.core_area_um2 < low.core_area_um2
    assert high.stdcell_utilization == pytest.approx(0.7, rel=0.1)
