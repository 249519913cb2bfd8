"""The error `eqchip regress` exits with when a metric regressed or a build failed."""

from __future__ import annotations

from eqchip.errors import EqchipError


class RegressionFailed(EqchipError):
    """At least one design regressed beyond its rules, or could not be built (exit code 1)."""

    exit_code = 1
