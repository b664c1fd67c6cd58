"""What the doctor found: one :class:`Check` per link of the chain, and the whole report;
and what each of the doctor's steps hands to the next: frozen values, each with its passed Check.

A step is a function of the settings and of the results of earlier steps; it returns its
result or the failed :class:`Check` that ends the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from eks_token.cache.entry import STS_CLOCK_SKEW_SECONDS

if TYPE_CHECKING:
    from eks_token.aws.signer import TokenSigner
    from eks_token.cluster.identity import Identity
    from eks_token.cluster.kube_api import KubeApi, UserInfo
    from eks_token.cluster.token_rules import CheckedToken
    from eks_token.doctor.plugin import PluginCredential
    from eks_token.exec_plugin.request import TokenRequest
    from eks_token.kubeconfig.exec_args import ExecInvocation
    from eks_token.kubeconfig.exec_check import KubectlExec
    from eks_token.kubeconfig.model import ContextView

__all__ = [
    "CHECK_NAMES",
    "DEFAULT_MAX_CLOCK_SKEW",
    "REPORT_VERSION",
    "Authenticated",
    "CallerIdentity",
    "Check",
    "Context",
    "DoctorReport",
    "Explanation",
    "InProcess",
    "PluginToken",
    "Reachable",
    "RunnableEntry",
    "Settings",
    "ValidToken",
]


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


@dataclass(frozen=True)
class Settings:
    """What every step may read: the environment kubectl would run in, and the limits."""

    environ: Mapping[str, str] = field(repr=False)
    now: datetime
    sts_endpoint_url: str | None
    timeout: float
    max_clock_skew: timedelta
    plugin_timeout: float
    stdin_is_terminal: bool


@dataclass(frozen=True)
class Context:
    check: Check
    view: ContextView


@dataclass(frozen=True)
class RunnableEntry:
    """The exec entry passed kubectl's checks and names an EKS token request."""

    check: Check
    kubectl: KubectlExec
    invocation: ExecInvocation
    #: The request the plugin resolves, in the environment it sees (kubectl's with the
    #: entry's env over it): what the in-process step signs.
    request: TokenRequest = field(repr=False)

    @property
    def env(self) -> Mapping[str, str]:
        return self.request.environ

    @property
    def cluster_id(self) -> str:
        return self.request.cluster_id


@dataclass(frozen=True)
class PluginToken:
    """The plugin ran as kubectl runs it and printed a usable ExecCredential."""

    check: Check
    credential: PluginCredential


@dataclass(frozen=True)
class InProcess:
    """The second opinion: the same request signed here (None when that failed)."""

    check: Check
    signer: TokenSigner | None


@dataclass(frozen=True)
class ValidToken:
    """The plugin's token passes every static rule of the cluster's authenticator."""

    check: Check
    checked: CheckedToken


@dataclass(frozen=True)
class CallerIdentity:
    check: Check
    identity: Identity
    sts_date: datetime | None


@dataclass(frozen=True)
class Reachable:
    """The API server answers and its certificate verifies; ``api`` carries the token."""

    check: Check
    api: KubeApi


@dataclass(frozen=True)
class Authenticated:
    check: Check
    #: None when the cluster accepted the token but could not say who we are.
    user: UserInfo | None


@dataclass(frozen=True)
class Explanation:
    """Why the cluster refused an identity, from what maps it (access entries, aws-auth)."""

    causes: tuple[str, ...]
    fix: str | None
    details: Mapping[str, object] = field(default_factory=dict)
    #: False: the causes add to the usual ones (the access entries could not be read).
    replaces_default: bool = True
