"""What the doctor found: one :class:`Check` per link of the chain, and the whole report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

__all__ = ["CHECK_NAMES", "DEFAULT_MAX_CLOCK_SKEW", "Check", "DoctorReport"]

CHECK_NAMES = (
    "kubeconfig",
    "credentials",
    "caller-identity",
    "token",
    "clock",
    "endpoint",
    "authentication",
    "authorization",
)
DEFAULT_MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    """One link of the chain."""

    name: str
    ok: bool
    summary: str
    details: Mapping[str, object] = field(default_factory=dict)
    fix: str | None = None
    causes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ok": self.ok,
            "summary": self.summary,
            "details": dict(self.details),
            "fix": self.fix,
            "likely_causes": list(self.causes),
        }


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return len(self.checks) == len(CHECK_NAMES) and all(c.ok for c in self.checks)

    @property
    def not_run(self) -> tuple[str, ...]:
        done = {check.name for check in self.checks}
        return tuple(name for name in CHECK_NAMES if name not in done)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checks": [check.to_dict() for check in self.checks],
            "not_run": list(self.not_run),
        }

    def render(self) -> str:
        """The human-readable report."""
        width = max(len(name) for name in CHECK_NAMES)
        lines: list[str] = []
        for check in self.checks:
            mark = "ok  " if check.ok else "FAIL"
            lines.append(f"[{mark}] {check.name.ljust(width)}  {check.summary}")
            for number, cause in enumerate(check.causes, 1):
                lines.append(f"{'':>{width + 9}}{number}. {cause}")
            if check.fix:
                lines.append(f"{'':>{width + 9}}what to do: {check.fix}")
        if self.not_run:
            lines.append(f"not checked after the failure: {', '.join(self.not_run)}")
        else:
            lines.append("all checks passed")
        return "\n".join(lines)
