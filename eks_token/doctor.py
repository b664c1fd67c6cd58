"""``eks-token doctor``: walk the chain from kubeconfig to RBAC and stop at the first break.

Every link is checked in-process (the token is signed here, not by running
kubectl or the plugin), and each yields a :class:`Check` saying what was
found and, when it is broken, what to do about it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

__all__ = ["CHECK_NAMES", "DEFAULT_MAX_CLOCK_SKEW", "Check", "DoctorReport", "run_doctor"]

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


def run_doctor(
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    sts_endpoint_url: str | None = None,
    verb: str = "get",
    resource: str = "pods",
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
) -> DoctorReport:
    """Check every link, stopping at the first broken one.

    ``sts_endpoint_url`` sends the caller-identity request (unchanged path and
    query, the token's host in ``Host``) to another base URL; the token itself
    is signed for the real STS host.
    """
    from .doctor_chain import Chain

    chain = Chain(
        environ=os.environ if environ is None else environ,
        now=now if now is not None else datetime.now(timezone.utc),
        sts_endpoint_url=sts_endpoint_url,
        timeout=timeout,
        max_clock_skew=max_clock_skew,
    )
    steps: tuple[Callable[[], Check], ...] = (
        lambda: chain.kubeconfig(context, kubeconfig),
        chain.credentials,
        chain.caller_identity,
        chain.token_rules,
        chain.clock,
        chain.endpoint,
        chain.authentication,
        lambda: chain.authorization(verb, resource),
    )
    checks: list[Check] = []
    try:
        for step in steps:
            check = step()
            checks.append(check)
            if not check.ok:
                if chain.clock_rejected:
                    # STS refused the token because of this machine's clock: say so.
                    checks.append(chain.clock())
                break
    finally:
        chain.close()
    return DoctorReport(tuple(checks))
