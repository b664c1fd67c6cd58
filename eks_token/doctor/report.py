"""What the doctor found: one :class:`Check` per link of the chain, and the whole report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from eks_token.cache.entry import STS_CLOCK_SKEW_SECONDS

__all__ = ["CHECK_NAMES", "DEFAULT_MAX_CLOCK_SKEW", "REPORT_VERSION", "Check", "DoctorReport"]

#: Every link, in the order they are checked.
CHECK_NAMES = (
    "kubeconfig",
    "exec-entry",
    "plugin",
    "in-process",
    "token",
    "caller-identity",
    "clock",
    "endpoint",
    "authentication",
    "authorization",
)
#: How far this machine's clock may be from STS's: the skew STS itself tolerates.
DEFAULT_MAX_CLOCK_SKEW = timedelta(seconds=STS_CLOCK_SKEW_SECONDS)
#: The version of ``--json``'s shape; it changes only when a field changes meaning or goes.
REPORT_VERSION = 1


@dataclass(frozen=True)
class Check:
    """One link of the chain.

    ``details`` holds JSON values (numbers as numbers); ``notes`` are things worth knowing
    that do not break the link; ``followed_by`` are checks that explain this failure (STS
    refusing the token because of this machine's clock is followed by the clock check).
    """

    name: str
    ok: bool
    summary: str
    details: Mapping[str, object] = field(default_factory=dict)
    fix: str | None = None
    causes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    followed_by: tuple[Check, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ok": self.ok,
            "summary": self.summary,
            "details": dict(self.details),
            "fix": self.fix,
            "likely_causes": list(self.causes),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True only when every link holds: kubectl would authenticate (and be authorized)."""
        return len(self.checks) == len(CHECK_NAMES) and all(c.ok for c in self.checks)

    @property
    def not_run(self) -> tuple[str, ...]:
        done = {check.name for check in self.checks}
        return tuple(name for name in CHECK_NAMES if name not in done)

    @property
    def next_step(self) -> str:
        """The one thing to do next: the fix of the first broken link."""
        failed = [check for check in self.checks if not check.ok]
        if not failed:
            return "nothing: kubectl authenticates with this context"
        first = failed[0]
        return first.fix or f"look at the {first.name} check above: {first.summary}"

    def to_dict(self) -> dict[str, object]:
        failed = next((check.name for check in self.checks if not check.ok), None)
        return {
            "version": REPORT_VERSION,
            "ok": self.ok,
            "failed": failed,
            "next_step": self.next_step,
            "checks": [check.to_dict() for check in self.checks],
            "not_run": list(self.not_run),
        }

    def render(self) -> str:
        """The human-readable report; its last line is the one thing to do next."""
        width = max(len(name) for name in CHECK_NAMES)
        indent = " " * (width + 9)
        lines: list[str] = []
        for check in self.checks:
            mark = "ok  " if check.ok else "FAIL"
            lines.append(f"[{mark}] {check.name.ljust(width)}  {check.summary}")
            for number, cause in enumerate(check.causes, 1):
                lines.append(f"{indent}{number}. {cause}")
            for note in check.notes:
                lines.append(f"{indent}note: {note}")
            if check.fix and not check.ok:
                lines.append(f"{indent}what to do: {check.fix}")
        if self.not_run:
            lines.append(f"not checked after the failure: {', '.join(self.not_run)}")
        else:
            lines.append("all checks passed")
        lines.append(f"next: {self.next_step}")
        return "\n".join(lines)
