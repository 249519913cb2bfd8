"""Fab handoff: package what a fab partner needs from a build, with a checksummed manifest."""

from eqchip.handoff.package import HandoffResult, make_handoff

__all__ = ["HandoffResult", "make_handoff"]
