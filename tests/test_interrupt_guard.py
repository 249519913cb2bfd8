"""eqchip.interrupts without a build: what SiliconCompiler does with an interrupt (exit 0,
or swallow it) still ends in Interrupted with 128+signal, and the children are ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from eqchip.errors import Interrupted
from eqchip.interrupts import interruptible


@pytest.mark.parametrize("swallow", ["exit0", "return", "keyerror"])
def test_interrupt_is_not_lost_whatever_the_block_does(swallow: str) -> None:
    cleaned: list[bool] = []
    before = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    with pytest.raises(Interrupted) as info:
        with interruptible("job", "rerun it", grace_s=2,
                           on_interrupt=lambda: cleaned.append(True)):
            child = subprocess.Popen(["sleep", "60"])
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
                pytest.fail("the handler did not interrupt the block")
            except KeyboardInterrupt:
                if swallow == "exit0":
                    sys.exit(0)                       # SC's task scheduler
                if swallow == "keyerror":
                    raise KeyError("job0 is not a valid job") from None   # SC's history()
    assert info.value.exit_code == 143 and str(info.value) == "job interrupted by SIGTERM; " \
        "rerun it"
    assert cleaned == [True]
    # the child was ended, not left running: killed by SIGTERM, or already reaped by the
    # handler's wait on the descendants it ended (subprocess then reports 0), long before
    # `sleep 60` could have ended on its own
    assert child.wait(timeout=10) in (-signal.SIGTERM, 0)
    assert time.monotonic() - started < 40
    assert signal.getsignal(signal.SIGTERM) == before   # handlers restored


def test_errors_without_a_signal_pass_through() -> None:
    with pytest.raises(SystemExit), interruptible("job", "rerun it"):
        sys.exit(3)
    with pytest.raises(ValueError), interruptible("job", "rerun it"):
        raise ValueError("a real error")
