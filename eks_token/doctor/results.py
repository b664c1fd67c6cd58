"""What each of the doctor's steps hands to the next: frozen values, each with its passed Check.

A step is a function of the settings and of the results of earlier steps; it returns its
result or the failed :class:`Check` that ends the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from eks_token.doctor.report import Check

if TYPE_CHECKING:
    from eks_token.aws.signer import TokenSigner
    from eks_token.cluster.identity import Identity
    from eks_token.cluster.kube_api import KubeApi
    from eks_token.cluster.kube_api_types import UserInfo
    from eks_token.cluster.token_rules import CheckedToken
    from eks_token.doctor.plugin_run import PluginCredential
    from eks_token.exec_plugin.request import TokenRequest
    from eks_token.kubeconfig.exec_args import ExecInvocation
    from eks_token.kubeconfig.exec_check import KubectlExec
    from eks_token.kubeconfig.model import ContextView

__all__ = [
    "Authenticated",
    "CallerIdentity",
    "Context",
    "Explanation",
    "InProcess",
    "PluginToken",
    "Reachable",
    "RunnableEntry",
    "Settings",
    "ValidToken",
]


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
