"""What a build's SC run depends on, as one sha256: the whole SC project as configured (every
value, file name and data root), the bytes' stamps (size, mtime) of every file in eqchip's
staged inputs and shipped PDK additions, the PDK files eqchip uses, the tools found (path,
version), the steps the run goes to, and the versions of eqchip and SiliconCompiler.

A rerun whose fingerprint equals the one recorded in build_state.json, with the job manifest
unchanged since, would resume every node of the previous run: `build` then reuses the
previous metrics.json as it is instead of asking SiliconCompiler to check ~30 nodes again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def _tree(root: Path) -> list[str]:
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            out.append(_stamp(Path(dirpath) / f))
    return sorted(out)


def manifest_stamp(manifest: Path) -> str:
    return _stamp(manifest)


def fingerprint(project, *, staged_dirs: Iterable[Path], pdk_files: Iterable[Path],  # noqa: ANN001
                tools: Iterable[tuple[str, str | None, str | None]],
                run_to: Iterable[str]) -> str:
    import siliconcompiler

    from eqchip import __version__

    h = hashlib.sha256()

    def put(text: str) -> None:
        h.update(text.encode("utf-8", "surrogateescape"))
        h.update(b"\0")

    put(f"eqchip {__version__} siliconcompiler {siliconcompiler.__version__}")
    put(json.dumps(project.getdict(), sort_keys=True, default=str))
    for d in staged_dirs:
        for line in _tree(Path(d)):
            put(line)
    for f in pdk_files:
        put(_stamp(Path(f)))
    for key, path, version in tools:
        put(f"tool {key} {path} {version}")
    put("to " + ",".join(run_to))
    return h.hexdigest()
