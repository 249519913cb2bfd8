"""Collect a build's deliverables into one folder with `manifest.json` and `SHA256SUMS`.

The package is assembled in a temporary folder beside the destination and renamed into place,
so an interrupted run never leaves a package that looks complete. A build that stopped before
layout (no GDS) is only packaged when the caller asks for a pre-layout handoff, and the manifest
says so in `kind`.

An existing destination is replaced only when it is exactly a package eqchip wrote (it passes
`verify_handoff`: every file listed, unchanged, nothing added); a folder with a file the user
added or changed, anything else, or a symbolic link is refused, never deleted (there is no
--force: move it away yourself). `verify_handoff` also checks the manifest against the contents:
its `kind` against the GDS in the package, its `design_sha256` against the packed design file
and the packed metrics.json.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eqchip import __version__
from eqchip.asic.state import (
    METRICS_FILE,
    STATE_FILE,
    BuildState,
    check_current,
    read_metrics,
    read_state,
)
from eqchip.config import LoadedDesign
from eqchip.errors import EqchipError, FlowIncomplete, LayoutViolations
from eqchip.fileio import sha256_file, write_json_atomic, write_text_atomic
from eqchip.handoff.layout_checks import check_layout
from eqchip.handoff.readme import partner_readme
from eqchip.regress.provenance import git_commit

HANDOFF_SCHEMA = "eqchip.handoff/1"
KINDS = ("layout", "pre-layout")


@dataclass(frozen=True)
class HandoffResult:
    out_dir: Path
    kind: str                       # "layout" | "pre-layout"
    files: list[dict]
    violations_allowed: bool = False


def make_handoff(loaded: LoadedDesign, build_dir: Path, out_dir: Path,
                 pre_layout: bool = False, allow_violations: bool = False) -> HandoffResult:
    build_dir = Path(build_dir)
    metrics_path = build_dir / METRICS_FILE
    if not metrics_path.is_file():
        raise EqchipError(f"{metrics_path}: no such file; the design has not been built",
                          hint=f"run `eqchip build {loaded.path}` first")
    metrics = read_metrics(build_dir).doc()
    _check_out_dir(build_dir, Path(out_dir))
    check_current(build_dir, metrics.get("design_sha256"), loaded.path, loaded.sha256)
    state = read_state(build_dir)
    check_current(build_dir, state.design_sha256, loaded.path, loaded.sha256)
    job = state.job
    complete = metrics.get("status") == "complete"
    if not complete and not pre_layout:
        raise FlowIncomplete(
            f"{metrics_path}: the build is {metrics.get('status')} "
            f"({metrics.get('notice') or metrics.get('stop_reason')}); there is no layout to "
            "hand off",
            hint="finish the build on a machine with OpenROAD, or pass --pre-layout to package "
                 "RTL, netlist, constraints and macro views only")
    kind = "layout" if complete else "pre-layout"
    checks = check_layout(state, metrics) if kind == "layout" else []
    failed = [c for c in checks if not c.ok]
    if failed and not allow_violations:
        raise LayoutViolations(
            f"{build_dir}: the layout fails {len(failed)} of the {len(checks)} checks a fab "
            "package needs: " + "; ".join(f"{c.name}: {c.detail}" for c in failed),
            hint="fix the design or the flow settings and rebuild, or pass --allow-violations "
                 "to package it anyway (its README and manifest.json then say so)")

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        stage.chmod(0o755)
        files = _collect(_sources(build_dir, state), stage)
        if kind == "layout" and not any(f["role"] == "layout" and ".gds" in f["path"]
                                        for f in files):
            raise FlowIncomplete(f"{build_dir}: the build says complete but {job}/write.gds "
                                 "holds no GDS", hint="rerun `eqchip build --clean`")
        design_copy = stage / "design" / loaded.path.name
        design_copy.parent.mkdir(parents=True)
        shutil.copyfile(loaded.path, design_copy)
        files.append(_entry(stage, design_copy, "design"))
        readme = stage / "README.md"
        write_text_atomic(readme, partner_readme(loaded, state, metrics, kind, checks,
                                                 allow_violations, files))
        files.append(_entry(stage, readme, "readme"))
        files.sort(key=lambda f: f["path"])
        manifest = {
            "schema": HANDOFF_SCHEMA,
            "kind": kind,
            "design": loaded.name,
            "design_sha256": loaded.sha256,
            "top": metrics.get("top"),
            "eqchip_version": __version__,
            "git_commit": git_commit(loaded.path.parent),
            "build_status": metrics.get("status"),
            "build_notice": metrics.get("notice"),
            "pdk": metrics.get("pdk"),
            "tools": metrics.get("tools"),
            "macro": metrics.get("macros"),
            "layout_checks": [c.doc() for c in checks],
            "violations_allowed": bool(failed) and allow_violations,
            "files": files,
        }
        write_json_atomic(stage / "manifest.json", manifest)
        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in files)
        sums += f"{sha256_file(stage / 'manifest.json')}  manifest.json\n"
        write_text_atomic(stage / "SHA256SUMS", sums)
        if out_dir.exists():
            shutil.rmtree(out_dir)        # an earlier package (checked by _check_out_dir)
        stage.rename(out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return HandoffResult(out_dir=out_dir, kind=kind, files=files,
                         violations_allowed=bool(failed) and allow_violations)


def _check_out_dir(build_dir: Path, out_dir: Path) -> None:
    """Refuse a destination that would overwrite the build, a symbolic link, or anything but an
    intact package eqchip wrote."""
    if out_dir.is_symlink():
        raise EqchipError(f"{out_dir} is a symbolic link; eqchip writes a handoff package only "
                          "into a real folder and never replaces a link",
                          hint="give the folder the link points to, or a new folder")
    build, out = build_dir.resolve(), out_dir.resolve()
    if out == build or build.is_relative_to(out) or (
            out.is_relative_to(build) and out != build / "handoff"):
        raise EqchipError(f"{out_dir}: a handoff package may not be the build folder {build_dir}, "
                          "contain it, or lie inside it (except its handoff/ folder)",
                          hint="choose a folder outside the build, e.g. handoff/<design>")
    if out.exists():
        try:
            schema = json.loads((out / "manifest.json").read_text()).get("schema")
        except (OSError, ValueError, AttributeError):
            schema = None
        if schema != HANDOFF_SCHEMA:
            raise EqchipError(f"{out_dir} exists and is not an eqchip handoff package; "
                              "eqchip only replaces its own packages",
                              hint="choose a new folder or remove that one yourself")
        problems = verify_handoff(out_dir)
        if problems:
            shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
            raise EqchipError(f"{out_dir} exists and is no longer the package eqchip wrote "
                              f"({shown}); eqchip only replaces its own unchanged packages",
                              hint="move that folder away (or remove it) yourself, or choose "
                                   "another -o folder")


def enclosing_package(path: Path) -> Path | None:
    """The handoff package `path` lies in (the folder itself or one above it), or None: no
    command but `eqchip handoff` may write into one (its SHA256SUMS would no longer hold)."""
    here = Path(os.path.abspath(path))
    for folder in (here, *here.parents):
        try:
            if (folder / "SHA256SUMS").is_file() and json.loads(
                    (folder / "manifest.json").read_text(encoding="utf-8")
            ).get("schema") == HANDOFF_SCHEMA:
                return folder
        except (OSError, ValueError, AttributeError, RecursionError):
            continue
    return None


def _entry(root: Path, path: Path, role: str) -> dict:
    return {"path": path.relative_to(root).as_posix(), "role": role,
            "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _sources(build_dir: Path, state: BuildState) -> list[tuple[str, Path, Path]]:
    """(role, file, destination in the package) of every deliverable the build's typed state
    names."""
    v = state.views
    out: list[tuple[str, Path, Path]] = []
    rtl_root = Path(os.path.commonpath([str(f.parent) for f in v.rtl])) if v.rtl else None
    for f in v.rtl:
        out.append(("rtl", f, Path("rtl") / f.relative_to(rtl_root)))
    if v.render_manifest is not None:
        out.append(("rtl", v.render_manifest, Path("rtl") / v.render_manifest.name))
    if v.sdc:
        out.append(("constraints", v.sdc, Path("constraints") / v.sdc.name))
    if v.technology is not None:
        out.append(("macro_views", v.technology, Path("macros/technology") / v.technology.name))
    if state.macro is not None:
        m = state.macro
        for f in [*m.liberty.values(), m.lef, m.gds, m.blackbox_v, _behavioural(m.lef)]:
            if f is not None:
                out.append(("macro_views", f, Path("macros") / f.name))
    for name in (METRICS_FILE, STATE_FILE, "report.json", "report.md", "report.html"):
        out.append(("reports", build_dir / name, Path("reports") / name))
    if v.sta is not None:
        for f in sorted(v.sta.parent.iterdir()):       # the sta node's reports/ folder
            if f.suffix == ".rpt":
                out.append(("reports", f, Path("reports/sta") / f.name))
    if v.activity is not None:
        out.append(("reports", v.activity, Path("reports") / v.activity.name))
    if v.netlist is not None:
        out.append(("netlist", v.netlist, Path("netlist/synthesis") / v.netlist.name))
    if v.final_netlist is not None:
        out.append(("netlist", v.final_netlist, Path("netlist/final") / v.final_netlist.name))
    if v.final_sdc is not None:
        out.append(("constraints", v.final_sdc, Path("constraints/final") / v.final_sdc.name))
    if v.gds is not None:
        out.append(("layout", v.gds, Path("layout") / v.gds.name))
    if v.def_ is not None:
        out.append(("layout", v.def_, Path("layout/views") / v.def_.name))
    if v.abstract_lef is not None:
        out.append(("layout", v.abstract_lef, Path("layout/views") / v.abstract_lef.name))
    for f in v.spef:
        out.append(("parasitics", f, Path("layout/parasitics") / f.name))
    if v.signoff_reports:
        root = Path(os.path.commonpath([str(f.parent) for f in v.signoff_reports]))
        for f in v.signoff_reports:
            out.append(("signoff_reports", f, Path("reports/signoff") / f.relative_to(root)))
    return out


def _behavioural(lef: Path) -> Path | None:
    """The macro's behavioural Verilog model, as the views' record (macro.json beside the LEF,
    eqchip.macros.views) names it; None when the record does not."""
    try:
        record = json.loads((lef.parent / "macro.json").read_text(encoding="utf-8"))
        name = record["files"]["behavioural_v"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return lef.parent / name if isinstance(name, str) and "/" not in name else None


def _collect(sources: list[tuple[str, Path, Path]], stage: Path) -> list[dict]:
    files: list[dict] = []
    seen: set[Path] = set()
    for role, src, dest in sources:
        if not src.is_file() or src in seen:
            continue
        seen.add(src)
        target = stage / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        files.append(_entry(stage, target, role))
    return files


def verify_handoff(out_dir: Path) -> list[str]:
    """Return the problems found re-checking a package (empty: it is intact): SHA256SUMS
    entries that are absolute or climb out with `..`, symbolic links that lead outside the
    package, missing or changed files, files the list does not name, and per-file hashes of
    manifest.json that disagree with SHA256SUMS (a tampered file whose SHA256SUMS line was
    rehashed). Nothing outside `out_dir` is ever read."""
    out_dir = Path(out_dir)
    sums = out_dir / "SHA256SUMS"
    if not sums.is_file() or sums.is_symlink():
        raise EqchipError(f"{sums}: no such file; {out_dir} is not a handoff package",
                          hint="create it with `eqchip handoff`")
    root = out_dir.resolve()
    problems: list[str] = []
    listed: dict[str, str] = {}
    for n, line in enumerate(sums.read_text(errors="replace").splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or not rel:
            problems.append(f"SHA256SUMS line {n}: not `<sha256>  <path>`")
            continue
        unsafe = _unsafe_entry(rel)
        if unsafe:
            problems.append(f"SHA256SUMS line {n}: {rel}: {unsafe}; refused")
            continue
        listed[rel] = digest
        path = out_dir / rel
        if not _inside(path, root):
            problems.append(f"{rel}: a symbolic link leads outside the package; refused")
        elif not path.is_file():
            problems.append(f"{rel}: missing")
        elif sha256_file(path) != digest:
            problems.append(f"{rel}: checksum mismatch")
    present, links_out = _package_files(out_dir, root)
    problems += [f"{rel}: symbolic link to outside the package" for rel in links_out
                 if rel not in listed]
    problems += [f"{rel}: not in SHA256SUMS" for rel in sorted(present - set(listed)
                                                               - {"SHA256SUMS"})]
    problems += _manifest_problems(out_dir, root, listed)
    return problems


def _unsafe_entry(rel: str) -> str | None:
    """Why a SHA256SUMS path must not be followed (None: it is a plain relative path)."""
    if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return "absolute path"
    if ".." in rel.replace("\\", "/").split("/"):
        return "`..` leads outside the package"
    return None


def _inside(path: Path, root: Path) -> bool:
    """`path` (after following every symbolic link) lies inside `root`."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):       # a symlink loop
        return False


def _package_files(out_dir: Path, root: Path) -> tuple[set[str], list[str]]:
    """Files of the package (relative POSIX paths; symbolic links are not followed into
    folders) and the links among them that lead outside it."""
    present: set[str] = set()
    links_out: list[str] = []
    for folder, dirs, names in os.walk(out_dir, followlinks=False):
        for name in sorted(names + [d for d in dirs if (Path(folder) / d).is_symlink()]):
            p = Path(folder) / name
            rel = p.relative_to(out_dir).as_posix()
            if p.is_symlink() and not _inside(p, root):
                links_out.append(rel)
            present.add(rel)
    return present, sorted(links_out)


def _manifest_problems(out_dir: Path, root: Path, listed: dict[str, str]) -> list[str]:
    """manifest.json's per-file sha256 against SHA256SUMS, both ways, and its head against the
    contents (`_head_problems`)."""
    path = out_dir / "manifest.json"
    if "manifest.json" not in listed or not path.is_file() or not _inside(path, root):
        return ["manifest.json: missing from the package or from SHA256SUMS"]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        files = doc.get("files")
        entries = {f["path"]: f["sha256"] for f in files}
        roles = {f["path"]: f["role"] for f in files}
    except (OSError, ValueError, AttributeError, TypeError, KeyError, RecursionError):
        return ["manifest.json: not a readable eqchip manifest (no `files` list of path and "
                "sha256)"]
    problems = _head_problems(out_dir, root, doc, roles)
    for rel, digest in sorted(entries.items()):
        if rel not in listed:
            problems.append(f"{rel}: in manifest.json but not in SHA256SUMS")
        elif listed[rel] != digest:
            problems.append(f"{rel}: manifest.json and SHA256SUMS give different checksums")
    problems += [f"{rel}: in SHA256SUMS but not in manifest.json" for rel in sorted(listed)
                 if rel not in entries and rel != "manifest.json"]
    return problems


def _head_problems(out_dir: Path, root: Path, doc: dict, roles: dict[str, str]) -> list[str]:
    """The manifest's schema, `kind`, `design_sha256` and `build_status` against what the
    package holds: the GDS (kind layout has one, pre-layout none), the one packed design file
    (its sha256) and the packed reports/metrics.json (design_sha256, status)."""
    problems = []
    if doc.get("schema") != HANDOFF_SCHEMA:
        problems.append(f"manifest.json: schema is {doc.get('schema')!r}, not {HANDOFF_SCHEMA}")
    kind = doc.get("kind")
    has_gds = any(r == "layout" and ".gds" in p for p, r in roles.items())   # also .gds.gz
    if kind not in KINDS:
        problems.append(f"manifest.json: kind is {kind!r}, not one of {', '.join(KINDS)}")
    elif has_gds != (kind == "layout"):
        problems.append(f"manifest.json: kind is {kind} but the package holds "
                        f"{'a' if has_gds else 'no'} GDS layout")
    designs = [p for p, r in roles.items() if r == "design"]
    if len(designs) != 1:
        problems.append(f"manifest.json: {len(designs)} files with role design (expected 1)")
    else:
        file = out_dir / designs[0]
        if file.is_file() and _inside(file, root) and \
                sha256_file(file) != doc.get("design_sha256"):
            problems.append(f"manifest.json: design_sha256 {str(doc.get('design_sha256'))[:12]} "
                            f"is not the sha256 of the packed {designs[0]}")
    metrics = out_dir / "reports" / METRICS_FILE
    if f"reports/{METRICS_FILE}" in roles and metrics.is_file() and _inside(metrics, root):
        try:
            built = json.loads(metrics.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            built = None
        if not isinstance(built, dict):
            problems.append(f"reports/{METRICS_FILE}: not a JSON object")
        else:
            if built.get("design_sha256") != doc.get("design_sha256"):
                problems.append(f"manifest.json: design_sha256 is not the one reports/"
                                f"{METRICS_FILE} was built from")
            if built.get("status") != doc.get("build_status"):
                problems.append(f"manifest.json: build_status {doc.get('build_status')!r} is "
                                f"not reports/{METRICS_FILE}'s status {built.get('status')!r}")
            if kind == "layout" and built.get("status") != "complete":
                problems.append(f"manifest.json: kind is layout but reports/{METRICS_FILE} "
                                "says the build is not complete")
    return problems
