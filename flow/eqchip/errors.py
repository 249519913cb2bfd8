"""Error types with exit codes and hints. The CLI turns them into messages, never tracebacks."""

from __future__ import annotations


class EqchipError(Exception):
    """Base class: a problem the user can fix. `exit_code` is what the CLI exits with."""

    exit_code = 1
    #: True: an expected, documented outcome (e.g. a build a missing tool stopped early) that
    #: the CLI says as a notice instead of an error; the exit code is kept
    notice = False

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  fix: {self.hint}"
        return self.message


class ConfigError(EqchipError):
    """A design or technology file is malformed or inconsistent (exit code 2)."""

    exit_code = 2


class ToolError(EqchipError):
    """An external tool is missing or failed (exit code 3)."""

    exit_code = 3


class PdkError(EqchipError):
    """The PDK is missing or incomplete (exit code 4)."""

    exit_code = 4


class FlowIncomplete(EqchipError):
    """The flow stopped before the end because a tool is missing here (exit code 5)."""

    exit_code = 5


class OutputError(EqchipError):
    """An output file or folder cannot be written (exit code 6)."""

    exit_code = 6


class BuildLocked(EqchipError):
    """Another eqchip build is using the build folder (exit code 7)."""

    exit_code = 7


class LayoutViolations(EqchipError):
    """A routed layout failed a check a fab package needs (DRC, antenna, timing at a corner,
    macros placed): the handoff is refused (exit code 8)."""

    exit_code = 8


class Interrupted(EqchipError):
    """A long-running command was interrupted by SIGINT (Ctrl-C) or SIGTERM; exit code
    128 + the signal number (130, 143), as a shell reports a process a signal ended."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum
