"""Build and run the cocotb co-simulation with Icarus Verilog or Verilator.

The simulators are invoked directly (the same commands cocotb's makefiles and runner use), with
the output captured in a log file: no prints, a clear ToolError when a tool is missing or the
simulation dies, and a build cache so repeated runs of one design skip the compile.

`run_testbench` runs the accelerator test bench on any file list / toplevel (the RTL here, the
synthesized netlist in `eqchip.power.gatesim`); `run_cosim` is the RTL co-simulation on top.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eqchip.config.loader import LoadedDesign
from eqchip.errors import EqchipError, ToolError
from eqchip.fileio import write_text_atomic
from eqchip.sim.clock import sim_clock
from eqchip.sim.progress import PERIOD_ENV, PROGRESS_ENV, Poller, Progress, planned_cycles
from eqchip.sim.scenario import SimConfig, initial_params, operations, write_plan
from eqchip.sim.sources import SimSources, write_sources
from eqchip.sim.vcd import window_vcd

SIMULATORS = ("icarus", "verilator")
#: the cocotb module: eqchip.sim.tb_accel's test, with the progress reporter beside it
TEST_MODULE = "eqchip.sim.tb_progress"


class CosimMismatch(EqchipError):
    """The RTL disagrees with the golden model (exit code 1)."""


@dataclass(frozen=True)
class CosimResult:
    design: str
    simulator: str
    ops: list[dict[str, Any]]
    op_cycles: int               # cycles of all operations (CYCLES register sum)
    op_seconds: float            # wall time the simulator spent on those operations
    build_seconds: float
    run_seconds: float
    agree: int                   # inferences where RTL and golden predict the same class
    n_infer: int
    log: Path
    vcd: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cycles_per_second(self) -> float:
        return self.op_cycles / self.op_seconds if self.op_seconds > 0 else 0.0


def missing_tools(simulator: str) -> list[str]:
    need = {"icarus": ["iverilog", "vvp"], "verilator": ["verilator", "make", "g++"]}[simulator]
    return [t for t in need if shutil.which(t) is None]


def _cocotb_env() -> dict[str, str]:
    try:
        import cocotb
        import cocotb.config
        import find_libpython
    except ImportError as exc:
        raise ToolError(f"co-simulation needs cocotb: {exc}", "pip install cocotb==1.9.2") \
            from None
    lib = find_libpython.find_libpython()
    if not lib:
        raise ToolError("cocotb cannot find libpython for the simulator to embed",
                        "use a Python built with --enable-shared")
    env = dict(os.environ)
    env.update({
        "LIBPYTHON_LOC": lib,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "PYTHONHOME": sys.prefix,
        "MODULE": TEST_MODULE,
        "TOPLEVEL_LANG": "verilog",
        "COCOTB_REDUCED_LOG_FMT": "1",
        "COCOTB_ANSI_OUTPUT": "0",
        "PATH": env.get("PATH", "") + os.pathsep + cocotb.config.libs_dir,
    })
    env["_EQCHIP_COCOTB_VERSION"] = cocotb.__version__
    return env


def _run(cmd: list[str], cwd: Path, log, env: dict[str, str] | None = None,
         timeout: float | None = None, poll: Callable[[], None] | None = None) -> int:
    """Run `cmd` with its output into `log`; `poll()` is called about twice a second while
    it runs. -1 after `timeout` seconds (the process is killed)."""
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    t_end = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if t_end is not None and time.monotonic() > t_end:
                    proc.kill()
                    proc.wait()
                    log.write(f"timeout after {timeout} s\n")
                    return -1
                if poll is not None:
                    poll()
    finally:
        if proc.poll() is None:         # interrupted: the simulator ends with us
            proc.kill()
            proc.wait()


def _tail(path: Path, n: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _stamp(src: SimSources, flags: list[str]) -> str:
    h = hashlib.sha256()
    for f in (*src.files, src.verilator_config, *src.cpp):
        h.update(f.read_bytes())
    h.update(" ".join(flags).encode())
    return h.hexdigest()


#: C++ optimization of a Verilator model (make's OPT_FAST, OPT_SLOW, OPT_GLOBAL): `run` for
#: long simulations (the RTL co-simulation), `compile` for one-shot ones whose C++ compile
#: costs more than the run (the gate-level netlist: one translation unit for the model, no
#: optimization; bench/bench_gatesim.py measured the difference)
VERILATOR_OPT = {"run": ("-O1", "-O0", "-O1"), "compile": ("-O0", "-O0", "-O0")}


def build(simulator: str, src: SimSources, build_dir: Path, trace: bool, log_path: Path,
          opt: str = "run") -> float:
    """Compile the simulation model (skipped if an identical build exists). Returns seconds.
    `opt`: a key of VERILATOR_OPT."""
    import cocotb.config

    missing = missing_tools(simulator)
    if missing:
        raise ToolError(f"{simulator} co-simulation needs {', '.join(missing)}",
                        "install it (Debian: apt-get install iverilog / verilator)")
    defines = ["-DCOCOTB_SIM=1"] + (["-DEQCHIP_VCD=1"] if trace else [])
    stamp = build_dir / "eqchip.stamp"
    key = _stamp(src, [simulator, opt, *defines])
    if stamp.is_file() and stamp.read_text() == key:
        return 0.0
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    with open(log_path, "a") as log:
        if simulator == "icarus":
            cmds = build_dir / "cmds.f"
            cmds.write_text("+timescale+1ns/1ps\n")
            rc = _run(["iverilog", "-g2012", "-o", str(build_dir / "sim.vvp"), "-s",
                       src.toplevel, "-f", str(cmds), *defines, *map(str, src.files)],
                      build_dir, log)
        else:
            libs = cocotb.config.libs_dir
            cpp = Path(cocotb.__file__).parent / "share" / "lib" / "verilator" / "verilator.cpp"
            rc = _run(["verilator", "-cc", "--exe", "-Mdir", str(build_dir), "--top-module",
                       src.toplevel, "--vpi", "--prefix", "Vtop", "-o", src.toplevel,
                       "-LDFLAGS", f"-Wl,-rpath,{libs} -L{libs} -lcocotbvpi_verilator",
                       "--timescale", "1ns/1ps", "--timing", "-Wno-fatal", "-O3", *defines,
                       *(["--output-split", "0"] if opt == "compile" else []),
                       *(["--trace"] if trace else []), str(src.verilator_config), str(cpp),
                       *map(str, src.cpp), *map(str, src.files)], build_dir, log)
            if rc == 0:
                jobs = str(max(1, min(4, os.cpu_count() or 1)))
                fast, slow, glob = VERILATOR_OPT[opt]
                rc = _run(["make", "-s", "-C", str(build_dir), "-f", "Vtop.mk", "-j", jobs,
                           f"VM_TRACE={int(trace)}", f"OPT_FAST={fast}", f"OPT_SLOW={slow}",
                           f"OPT_GLOBAL={glob}"], build_dir, log)
    if rc != 0:
        raise ToolError(f"{simulator} could not build the simulation of {src.toplevel} "
                        f"(log: {log_path}):\n{_tail(log_path)}")
    stamp.write_text(key)
    return time.perf_counter() - t0


@dataclass(frozen=True)
class SimRun:
    """What one run of the accelerator test bench left behind (`run_testbench`)."""

    result: dict[str, Any]       # the test's JSON result (SimConfig.result)
    exit_code: int               # the simulator's exit code (-1: timeout)
    failed: bool                 # cocotb recorded a failure or error (or no results file)
    build_seconds: float         # 0.0 when an identical build was reused
    run_seconds: float
    log: Path


def run_testbench(src: SimSources, cfg: SimConfig, run_dir: Path, *, build_dir: Path,
                  log_path: Path, dump: Path | None = None, timeout_s: float = 3600.0,
                  what: str | None = None, opt: str = "run",
                  poller: Poller | None = None) -> SimRun:
    """Build `src` (any file list and toplevel: the rendered RTL or a synthesized netlist, with
    the `<design>_tb` wrapper of `eqchip.sim.sources`) with `cfg.simulator` and run the cocotb
    accelerator test (`eqchip.sim.tb_accel`) on it with the plan and output paths of `cfg`.

    `cfg` is written to `run_dir/config.json`; cocotb's results go to `run_dir/results.xml`;
    build and simulator output are appended to `log_path`. With `dump`, the model is built with
    tracing and the simulator writes a raw VCD there: Icarus only while the wrapper's `dump_on`
    is high, Verilator (which ignores $dumpoff) the whole run. `what` names the run in errors;
    `opt` is the Verilator model's optimization (VERILATOR_OPT); `poller` gets the simulated
    time while the simulator runs (`eqchip.sim.progress`).

    Raises ToolError when a tool is missing, the build fails or the test wrote no result; a
    mismatch or failure inside the test is left to the caller (`result`, `failed`)."""
    import cocotb.config

    if cfg.simulator not in SIMULATORS:
        raise EqchipError(f"unknown simulator {cfg.simulator!r}", f"use one of {SIMULATORS}")
    what = what or f"{cfg.simulator} simulation of {src.dut_top}"
    run_dir.mkdir(parents=True, exist_ok=True)
    env = _cocotb_env()
    build_s = build(cfg.simulator, src, build_dir, dump is not None, log_path, opt)
    result_path = Path(cfg.result)
    result_path.unlink(missing_ok=True)
    cfg_path = run_dir / "config.json"
    write_text_atomic(cfg_path, cfg.to_json())
    env.update({"TOPLEVEL": src.toplevel, "EQCHIP_SIM_CONFIG": str(cfg_path),
                "COCOTB_RESULTS_FILE": str(run_dir / "results.xml")})
    if dump is not None:
        dump.unlink(missing_ok=True)
    if poller is not None:
        env.update({PROGRESS_ENV: str(poller.path), PERIOD_ENV: str(poller.period_ps)})
        poller.start()
    if cfg.simulator == "icarus":
        cmd = ["vvp", "-M", cocotb.config.libs_dir, "-m",
               cocotb.config.lib_name("vpi", "icarus"), str(build_dir / "sim.vvp"),
               *([f"+eqchip_vcd={dump}"] if dump is not None else [])]
    else:
        # Verilator ignores $dumpoff: trace the whole run (cocotb's --trace)
        cmd = [str(build_dir / src.toplevel),
               *(["--trace", "--trace-file", str(dump)] if dump is not None else [])]
    t0 = time.perf_counter()
    with open(log_path, "a") as log:
        rc = _run(cmd, run_dir, log, env=env, timeout=timeout_s,
                  poll=poller.poll if poller is not None else None)
    run_s = time.perf_counter() - t0
    if poller is not None and rc == 0:
        poller.finish()
    if not result_path.is_file():
        raise ToolError(f"{what} ended without a result (exit code {rc}; log: {log_path}):\n"
                        f"{_tail(log_path)}")
    return SimRun(result=json.loads(result_path.read_text()), exit_code=rc,
                        failed=_failed(run_dir / "results.xml"), build_seconds=build_s,
                        run_seconds=run_s, log=log_path)


def run_cosim(loaded: LoadedDesign, work: Path, simulator: str = "icarus", samples: int = 3,
              seed: int = 0, init: str = "random", weights: Path | None = None,
              vcd: Path | None = None, timeout_s: float = 3600.0,
              edit_rtl: Callable[[Path], None] | None = None,
              progress: Callable[[Progress], None] | None = None) -> CosimResult:
    """Render, build and run the co-simulation; raise CosimMismatch on the first difference.

    With `vcd`, only one training operation runs and `vcd` gets the DUT from the rising clock
    edge where `busy` rises to one cycle after the edge where it falls (that edge included).
    `edit_rtl(render_dir)` may change the rendered RTL before the build (tests use it to plant
    a defect and check that the comparison catches it). `progress` gets the cycles the plan
    simulates before the run and how many are simulated while it runs (`eqchip.sim.progress`:
    about twice a second, from simulated time)."""
    import cocotb  # noqa: F401  (fail early with a clear message below if missing)

    if simulator not in SIMULATORS:
        raise EqchipError(f"unknown simulator {simulator!r}", f"use one of {SIMULATORS}")
    work = Path(work).resolve()
    src = write_sources(loaded, work)
    if edit_rtl is not None:
        edit_rtl(work / "render")
    sim_dir = work / f"sim_{simulator}"
    sim_dir.mkdir(parents=True, exist_ok=True)
    log_path = sim_dir / "sim.log"
    log_path.write_text("")
    trace = vcd is not None
    vcd_abs = Path(vcd).resolve() if vcd is not None else None
    if vcd_abs is not None:
        vcd_abs.parent.mkdir(parents=True, exist_ok=True)
    plan = sim_dir / "plan.npz"
    params = initial_params(loaded.arch, seed, init, weights)
    write_plan(plan, loaded.arch, params,
               operations(loaded, samples, seed, inference_only=weights is not None,
                          one_training_op=trace))
    cfg = SimConfig(design=str(loaded.path.resolve()), simulator=simulator, plan=str(plan),
                    vcd=str(vcd_abs) if vcd_abs else None, result=str(sim_dir / "result.json"))
    raw_vcd = sim_dir / "raw.vcd"
    poller = None
    if progress is not None:
        op_cycles, total = planned_cycles(loaded.arch, plan)
        poller = Poller(sim_dir / "progress", sim_clock(loaded.arch.clock_period_ns).period_ps,
                        op_cycles, total, progress)
    run = run_testbench(src, cfg, sim_dir, build_dir=sim_dir / ("build_trace" if trace
                                                                else "build"),
                        log_path=log_path, dump=raw_vcd if trace else None,
                        timeout_s=timeout_s, what=f"{simulator} simulation of {loaded.name}",
                        poller=poller)
    res = run.result
    if res.get("mismatch"):
        raise CosimMismatch(f"{loaded.name} on {simulator}: RTL differs from the golden "
                            f"model: {res['mismatch']}", f"see {log_path}")
    if run.exit_code != 0 or run.failed:
        raise ToolError(f"{simulator} co-simulation of {loaded.name} failed (exit code "
                        f"{run.exit_code}; log: {log_path}):\n{_tail(log_path)}")
    if vcd_abs is not None:
        if "vcd_window_ps" not in res or not raw_vcd.is_file():
            raise ToolError(f"{simulator} did not write a VCD (log: {log_path})")
        t0, t1 = res["vcd_window_ps"]
        window_vcd(raw_vcd, vcd_abs, src.toplevel, int(t0), int(t1))
        raw_vcd.unlink()
    return CosimResult(design=loaded.name, simulator=simulator, ops=res["ops"],
                       op_cycles=int(res["op_cycles"]), op_seconds=float(res["op_seconds"]),
                       build_seconds=run.build_seconds, run_seconds=run.run_seconds,
                       agree=int(res["agree"]), n_infer=int(res["n_infer"]), log=log_path,
                       vcd=vcd_abs if vcd_abs and vcd_abs.is_file() else None)


def _failed(results_xml: Path) -> bool:
    """cocotb's JUnit file: any <failure> or <error>, or no file at all."""
    if not results_xml.is_file():
        return True
    text = results_xml.read_text(errors="replace")
    return "<failure" in text or "<error" in text
