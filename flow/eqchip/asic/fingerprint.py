"""What a build's SC run depends on, as one sha256: everything the SC project is made from (the
ProjectSpec: design, top, files, PDK, macros, clock, options; eqchip's own code, whose
functions turn the spec into the project and whose tasks run in it), the stamps (size, mtime)
of every file in eqchip's staged inputs and shipped PDK additions, the content (sha256) of the
input files that live elsewhere (the design's MRAM technology file, which may be anywhere), the
PDK files eqchip uses, the tools found (path, version), the steps asked for, and the versions of
SiliconCompiler and lambdapdk.

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


def fingerprint(spec: object, *, staged_dirs: Iterable[Path], pdk_files: Iterable[Path],
                tools: Iterable[tuple[str, str | None, str | None]],
                steps: Iterable[str], contents: Iterable[tuple[str, str]] = ()) -> str:
    """contents: (what, sha256) of inputs known by content, such as the MRAM technology file as
    the design loaded it (an edit in place changes the fingerprint whatever its size or time)."""
    import lambdapdk
    import siliconcompiler

    import eqchip

    h = hashlib.sha256()

    def put(text: str) -> None:
        h.update(text.encode("utf-8", "surrogateescape"))
        h.update(b"\0")

    put(f"eqchip {eqchip.__version__} siliconcompiler {siliconcompiler.__version__} "
        f"lambdapdk {getattr(lambdapdk, '__version__', None)}")
    put(json.dumps(repr(spec)))
    for line in _tree(Path(eqchip.__file__).parent):
        if line.split(":")[0].endswith(".py"):
            put(line)
    for d in staged_dirs:
        for line in _tree(Path(d)):
            put(line)
    for f in pdk_files:
        put(_stamp(Path(f)))
    for what, digest in contents:
        put(f"content {what} {digest}")
    for key, path, version in tools:
        put(f"tool {key} {path} {version}")
    put("to " + ",".join(steps))
    return h.hexdigest()
