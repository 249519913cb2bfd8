"""The report's check that a build was made from the MRAM technology file the design names now:
its macro views, Liberty and measured power carry the technology's numbers, so a report that
read the edited file beside them would mix an old build with new energies."""

from __future__ import annotations

from pathlib import Path

from eqchip.asic.state import BuildState
from eqchip.config import LoadedDesign
from eqchip.errors import EqchipError


def check_technology(what: Path, state: BuildState | None, loaded: LoadedDesign) -> None:
    """An EqchipError naming the technology file and the fix when `state` (read from `what`)
    records another sha256 of it than `loaded` read. Builds made before eqchip recorded it
    (None) are not judged."""
    built = state.technology_sha256 if state is not None else None
    if built is None or built == loaded.tech_sha256:
        return
    raise EqchipError(
        f"{what}: technology_sha256 {built[:12]} is not that of the MRAM technology file "
        f"{loaded.tech_path} ({loaded.tech_sha256[:12]}): the build's macro views and power "
        "were made from another version of it; the build is stale",
        hint=f"rebuild with `eqchip build {loaded.path}` (or restore the technology file)")
