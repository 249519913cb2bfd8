"""Ctrl-C and SIGTERM during a build: end the whole process tree, exit 128+signal.

SiliconCompiler catches KeyboardInterrupt itself: it logs "Execution interrupted", halts its
nodes and then leaves with `sys.exit(0)` (or returns as if the run were fine), so without help
an interrupted `eqchip build` exits 0. `interruptible()` installs handlers for SIGINT and
SIGTERM in the main process that remember the signal, pass SIGTERM on to every descendant
(SC's node processes and their tools: a `kill <pid>` reaches only the main process), and raise
KeyboardInterrupt so SC halts and records its nodes. When the block ends after a signal, the
descendants still running are ended (SIGTERM, then SIGKILL after a grace period) and
`Interrupted` is raised, whatever SC did with the interrupt.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

from eqchip.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: seconds the descendants get to end after SIGTERM before they are killed
GRACE_S = 10.0

__all__ = ["GRACE_S", "Guard", "Interrupted", "descendants", "end_process_tree",
           "interruptible"]


@dataclass
class Guard:
    """What `interruptible` yields: the signal received so far (None: none)."""

    owner: int                                   # pid of the process that installed it
    signum: int | None = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    def check(self) -> None:
        """Raise KeyboardInterrupt if a signal arrived (SC may have swallowed the first one
        and returned as if the run were fine): call it between the stages of a command."""
        if self.signum is not None:
            raise KeyboardInterrupt


def descendants() -> list[psutil.Process]:
    """Every process below this one (children, their children, ...)."""
    try:
        return psutil.Process().children(recursive=True)
    except psutil.Error:
        return []


def _signal_all(procs: list[psutil.Process], sig: int) -> None:
    for p in procs:
        try:
            p.send_signal(sig)
        except psutil.Error:           # already gone
            pass


def end_process_tree(known: list[psutil.Process], grace_s: float = GRACE_S) -> list[int]:
    """End `known` and every current descendant: SIGTERM, wait up to `grace_s`, then SIGKILL.
    Returns the pids that had to be killed."""
    procs = {p.pid: p for p in known}
    procs.update({p.pid: p for p in descendants()})
    alive = [p for p in procs.values() if _running(p)]
    _signal_all(alive, signal.SIGTERM)
    _gone, alive = psutil.wait_procs(alive, timeout=grace_s)
    # a tool may have started a child of its own meanwhile: end those too
    late = [p for p in descendants() if p.pid not in procs]
    alive += late
    _signal_all(alive, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=5)
    return [p.pid for p in alive]


def _running(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _handler(state: Guard, previous: dict[int, object]) -> Callable[[int, object], None]:
    def handle(signum: int, frame: object) -> None:
        if os.getpid() != state.owner:
            # a process SC forked inherited this handler: do what it would have done without
            # it (SIGTERM ends a pool worker quietly; SIGINT raises KeyboardInterrupt)
            _as_before(signum, frame, previous.get(signum, signal.SIG_DFL))
            return
        first = state.signum is None
        if first:
            state.signum = signum
        kids = descendants()
        state.seen.update({p.pid: p for p in kids})
        # Ctrl-C reaches the whole foreground process group; `kill <pid>` only this process
        _signal_all(kids, signal.SIGTERM if first else signal.SIGKILL)
        if first:
            raise KeyboardInterrupt     # SC halts and records its nodes on this
    return handle


def _as_before(signum: int, frame: object, previous: object) -> None:
    if previous == signal.SIG_IGN:
        return
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)       # the default action: re-deliver the signal
    os.kill(os.getpid(), signum)


@contextmanager
def interruptible(what: str, resume_hint: str, grace_s: float = GRACE_S,
                  on_interrupt: Callable[[], None] | None = None) -> Iterator[Guard]:
    """Run the block so that SIGINT/SIGTERM end it and its whole process tree, then call
    `on_interrupt` (e.g. remove outputs that would look complete) and raise `Interrupted`
    ("<what> interrupted by SIGINT; <resume_hint>", exit 128+signal)."""
    state = Guard(owner=os.getpid())
    # a signal the caller ignores (e.g. SIGINT of a job started with `&` or nohup) stays ignored
    previous: dict[int, object] = {s: signal.getsignal(s) for s in SIGNALS
                                   if signal.getsignal(s) != signal.SIG_IGN}
    for s in previous:
        signal.signal(s, _handler(state, previous))
    try:
        try:
            yield state
        except BaseException:
            # after a signal, whatever ends the block is its consequence: SC turns our
            # KeyboardInterrupt into sys.exit(0), or swallows it and then fails on the run
            # it did not record (KeyError), or returns as if the run were fine
            if state.signum is None:
                raise                     # a real error or exit, not one of our signals
    finally:
        for s, h in previous.items():
            signal.signal(s, h)  # type: ignore[arg-type]
        if state.signum is not None:
            end_process_tree(list(state.seen.values()), grace_s)
    if state.signum is not None:
        if on_interrupt is not None:
            on_interrupt()
        name = signal.Signals(state.signum).name
        raise Interrupted(f"{what} interrupted by {name}; {resume_hint}", state.signum)

