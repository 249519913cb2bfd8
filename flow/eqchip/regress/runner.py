"""`eqchip regress` end to end: build designs in parallel, gather metrics, compare, record.

Builds run in separate processes (at most `jobs` at a time), each one SiliconCompiler run via
`eqchip build`'s Python entry point, which skips steps whose inputs did not change.
"""

from __future__ import annotations

import os
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from eqchip.config import LoadedDesign, load_design
from eqchip.errors import ConfigError, EqchipError, FlowIncomplete
from eqchip.regress import baseline as bl
from eqchip.regress.compare import MetricResult, compare_design, compare_versions
from eqchip.regress.history import HistoryLocked, append_run
from eqchip.regress.junit import DesignOutcome
from eqchip.regress.metrics import METRICS_FILE, Flattened, collect_build, read_json
from eqchip.regress.provenance import git_commit, package_versions, pdk_fingerprint
from eqchip.regress.rules import RuleSet
from eqchip.resources import pdk_root_from_env

#: `build(design_yaml, build_root)` builds into <build_root>/<design> in a worker process and
#: returns a notice (or None); it must be a module-level function
BuildFn = Callable[[str, str], str | None]


@dataclass(frozen=True)
class BuildOutcome:
    design: str
    build_dir: Path
    error: str | None
    seconds: float
    note: str | None = None        # e.g. the flow stopped early but left metrics


def build_with_eqchip(design_yaml: str, build_root: str, scheduler: str | None = None
                      ) -> str | None:
    """Run `eqchip build` for one design into `<build_root>/<design>` (in this process; with
    `scheduler` "slurm" every flow node is a Slurm job)."""
    from eqchip.regress.build_entry import run_build

    return run_build(design_yaml, build_root, scheduler)


def _worker(build: BuildFn, design_yaml: str, build_root: str) -> tuple[str | None, str | None,
                                                                         float]:
    """(error, notice, seconds) of one build; never raises, so one design cannot stop others."""
    start = time.monotonic()
    try:
        note = build(design_yaml, build_root)
    except FlowIncomplete as exc:       # the flow stopped where this machine lacks a tool
        return None, str(exc), time.monotonic() - start
    except EqchipError as exc:
        return str(exc), None, time.monotonic() - start
    except Exception:                   # noqa: BLE001 - report any tool crash per design
        return traceback.format_exc(), None, time.monotonic() - start
    return None, note, time.monotonic() - start


def run_builds(designs: list[LoadedDesign], build_root: Path, jobs: int,
               build: BuildFn = build_with_eqchip) -> list[BuildOutcome]:
    """Build every design, `jobs` at a time, each in its own process. A worker process that
    dies (crash, killed, out of memory) is that design's build error; the others keep theirs."""
    dirs = {d.name: Path(build_root) / d.name for d in designs}
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(designs))),
                             mp_context=get_context("spawn")) as pool:
        futures = {d.name: pool.submit(_worker, build, str(d.path), str(build_root))
                   for d in designs}
        out = []
        for d in designs:
            start = time.monotonic()
            try:
                error, note, seconds = futures[d.name].result()
            except Exception as exc:    # noqa: BLE001 - BrokenProcessPool, unpicklable result
                error = (f"the build process of {d.name} failed: "
                         f"{type(exc).__name__}: {exc}")
                note, seconds = None, time.monotonic() - start
            out.append(BuildOutcome(d.name, dirs[d.name], error, seconds, note))
    return out


@dataclass(frozen=True)
class RegressConfig:
    designs: list[LoadedDesign]
    build_root: Path
    baselines_dir: Path
    rules: RuleSet
    jobs: int = 1
    update_baseline: bool = False
    build: bool = True
    history: Path | None = None
    build_fn: BuildFn = build_with_eqchip


@dataclass
class DesignRun:
    outcome: DesignOutcome
    metrics: Flattened | None = None
    update: bl.Update | None = None
    warnings: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)     # tools and PDK of this run
    baseline: bl.Baseline | None = None

    @property
    def failed(self) -> bool:
        return self.outcome.error is not None or any(r.failed for r in self.outcome.results)


@dataclass(frozen=True)
class RegressResult:
    commit: str
    session: str
    runs: list[DesignRun]
    history_problem: str | None = None     # the history could not be written (e.g. locked)

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.runs)

    @property
    def failures(self) -> list[MetricResult]:
        return [r for run in self.runs for r in run.outcome.results if r.failed]


def tool_versions(d: LoadedDesign, flat: Flattened, build_dir: Path | None = None
                  ) -> dict[str, str]:
    """Versions from the build's JSON files, installed packages, and the PDK fingerprint (PDK
    from $PDK_ROOT, else the one metrics.json says the build used)."""
    from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, LIBERTY

    lib = LIBERTY.get(DESIGN_CORNER_TO_SC.get(d.design.pdk.corner, ""), None)
    env_root = pdk_root_from_env()
    root = str(env_root) if env_root is not None else _pdk_root_of_build(build_dir)
    return {**flat.versions, **package_versions(), **pdk_fingerprint(root, lib)}


def _pdk_root_of_build(build_dir: Path | None) -> str | None:
    if build_dir is None or not (Path(build_dir) / METRICS_FILE).is_file():
        return None
    doc = read_json(Path(build_dir) / METRICS_FILE)
    pdk = doc.get("pdk") if isinstance(doc, dict) else None
    root = pdk.get("pdk_root") if isinstance(pdk, dict) else None
    return root if isinstance(root, str) else None


def comparable(metrics: dict[str, float], rules: RuleSet, design: str) -> dict[str, float]:
    """The metrics that are compared and stored in baselines (not excluded by a rule)."""
    return {k: v for k, v in metrics.items() if not rules.excluded(design, k)}


def regress(cfg: RegressConfig) -> RegressResult:
    """Build, compare and record. A rules file that cannot apply to this run is a ConfigError
    before anything is written; baselines are updated only after that check; a history that
    cannot be written (locked by another process) does not lose the run's results: the
    result says why it was not recorded."""
    known = known_designs(cfg)
    bad = [p for p in cfg.rules.problems({}, known) if p.startswith("overrides.")]
    if bad:
        raise _rules_error(cfg, bad)
    commit = git_commit() or os.environ.get("GITHUB_SHA") or "unknown"
    session = uuid.uuid4().hex
    if cfg.build:
        builds = run_builds(cfg.designs, cfg.build_root, cfg.jobs, cfg.build_fn)
    else:
        builds = [BuildOutcome(d.name, Path(cfg.build_root) / d.name, None, 0.0)
                  for d in cfg.designs]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    runs = [_evaluate(cfg, d, b) for d, b in zip(cfg.designs, builds, strict=True)]
    names = {d.name: set(r.metrics.metrics if r.metrics else {})
             | set(r.baseline.metrics if r.baseline else {})
             for d, r in zip(cfg.designs, runs, strict=True) if r.metrics is not None}
    problems = cfg.rules.problems(names, known) if names else []   # no metrics: builds failed
    if problems:
        raise _rules_error(cfg, problems)
    history_problem = None
    for d, run in zip(cfg.designs, runs, strict=True):
        if cfg.update_baseline and run.outcome.error is None and run.metrics is not None:
            run.update = bl.update(bl.baseline_path(cfg.baselines_dir, d.name), d.name,
                                   comparable(run.metrics.metrics, cfg.rules, d.name),
                                   run.versions)
        if cfg.history is not None and history_problem is None:
            # every run, failed builds too (without metrics)
            flat = run.metrics or Flattened()
            try:
                append_run(cfg.history, session=session, time_utc=now, git_commit=commit,
                           design=d.name, passed=not run.failed,
                           mode="update-baseline" if cfg.update_baseline else "compare",
                           versions=run.versions or tool_versions(d, flat),
                           metrics=flat.metrics)
            except HistoryLocked as exc:
                history_problem = exc.message
    return RegressResult(commit=commit, session=session, runs=runs,
                         history_problem=history_problem)


def known_designs(cfg: RegressConfig) -> set[str]:
    """Design names a rules file may override: the shipped designs, those with a baseline, and
    this run's."""
    from eqchip.resources import designs_dir

    shipped = {p.stem for p in designs_dir().glob("*.yaml") if p.stem != "regress_rules"}
    return shipped | {p.stem for p in Path(cfg.baselines_dir).glob("*.json")} | \
        {d.name for d in cfg.designs}


def _rules_error(cfg: RegressConfig, problems: list[str]) -> ConfigError:
    return ConfigError(f"{cfg.rules.path}: " + "; ".join(problems),
                       hint=f"fix {cfg.rules.path} (a rule that matches no metric compares "
                            "nothing, so a regression it was meant to catch would pass)")


def _evaluate(cfg: RegressConfig, d: LoadedDesign, b: BuildOutcome) -> DesignRun:
    warnings = [f"{d.name}: {line}" for line in (b.note or "").splitlines()]
    if b.error is not None:
        return DesignRun(DesignOutcome(d.name, [], error=b.error, seconds=b.seconds),
                         warnings=warnings)
    try:
        flat, more = collect_build(b.build_dir, d.sha256)
    except EqchipError as exc:
        return DesignRun(DesignOutcome(d.name, [], error=str(exc), seconds=b.seconds),
                         warnings=warnings)
    warnings += more
    versions = tool_versions(d, flat, b.build_dir)
    path = bl.baseline_path(cfg.baselines_dir, d.name)
    if cfg.update_baseline and not path.is_file():
        base = bl.Baseline(d.name, {}, {})
    else:
        try:
            base = bl.load_baseline(path, d.name, allow_empty=cfg.update_baseline)
        except EqchipError as exc:
            return DesignRun(DesignOutcome(d.name, [], error=str(exc), seconds=b.seconds),
                             metrics=flat, warnings=warnings, versions=versions)
    results = compare_design(d.name, base.metrics, flat.metrics, cfg.rules,
                             d.design.clock.period_ns)
    changes = compare_versions(base.versions, versions)
    return DesignRun(DesignOutcome(d.name, results, seconds=b.seconds,
                                   version_changes=tuple(changes)),
                     metrics=flat, warnings=warnings, versions=versions, baseline=base)


def load_designs(args: list[str], baselines_dir: Path) -> list[LoadedDesign]:
    """The designs named on the command line, or every design with a committed baseline."""
    if not args:
        args = sorted(p.stem for p in Path(baselines_dir).glob("*.json"))
        if not args:
            raise EqchipError(f"{baselines_dir}: no baselines, so no designs to regress",
                              hint="name a design (`eqchip regress small --update-baseline`)")
    designs = [load_design(a) for a in args]
    names = [d.name for d in designs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise EqchipError(f"design {', '.join(dupes)} given more than once",
                          hint="each design builds into build/<name>; name it once")
    return designs
