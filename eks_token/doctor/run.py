"""``eks-token doctor``: walk the chain from kubeconfig to RBAC and stop at the first break.

The exec entry is checked as kubectl checks it and its plugin is run as kubectl runs it;
the plugin's token is what STS and the API server are asked about, so the report passes
only when kubectl would authenticate. The same request is also signed in-process, as a
second opinion. Each step is a function of the results of earlier steps
(:mod:`eks_token.doctor.report`) and returns its result or the failed :class:`Check`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from eks_token.clock import utc_now
from eks_token.doctor.report import DEFAULT_MAX_CLOCK_SKEW, Check, DoctorReport, Settings
from eks_token.doctor.steps import (
    AccessExplainer,
    authentication_step,
    authorization_step,
    caller_identity_step,
    clock_step,
    endpoint_step,
    exec_entry_step,
    in_process_step,
    kubeconfig_step,
    plugin_step,
    token_step,
)
from eks_token.kubeconfig.exec_check import stdin_is_terminal as _stdin_is_terminal

__all__ = ["DEFAULT_PLUGIN_TIMEOUT", "run_doctor"]

DEFAULT_PLUGIN_TIMEOUT = 60.0


class _Result(Protocol):
    @property
    def check(self) -> Check: ...


_R = TypeVar("_R", bound=_Result)


class _Walk:
    """The checks so far; ``take`` records a step's outcome and says whether to go on."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def take(self, outcome: _R | Check) -> _R | None:
        if isinstance(outcome, Check):
            self.checks += [outcome, *outcome.followed_by]
            return None
        self.checks.append(outcome.check)
        return outcome

    def report(self) -> DoctorReport:
        return DoctorReport(tuple(self.checks))


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
    plugin_timeout: float = DEFAULT_PLUGIN_TIMEOUT,
    stdin_is_terminal: bool | None = None,
    access_entries: bool = False,
    explain: AccessExplainer | None = None,
) -> DoctorReport:
    """Check every link, stopping at the first broken one.

    ``environ`` is the environment kubectl would run in (default: this process's).
    ``sts_endpoint_url`` sends the caller-identity request (unchanged path and query, the
    token's host in ``Host``) to another base URL. With ``access_entries`` a 401 or 403 is
    explained from the cluster's EKS access entries (asked with the entry's credentials);
    ``explain`` replaces that explainer.
    """
    settings = Settings(
        environ=os.environ if environ is None else environ,
        now=now if now is not None else utc_now(),
        sts_endpoint_url=sts_endpoint_url,
        timeout=timeout,
        max_clock_skew=max_clock_skew,
        plugin_timeout=plugin_timeout,
        stdin_is_terminal=_stdin_is_terminal() if stdin_is_terminal is None else stdin_is_terminal,
    )
    walk = _Walk()
    found = walk.take(kubeconfig_step(settings, context, kubeconfig))
    if found is None:
        return walk.report()
    entry = walk.take(exec_entry_step(settings, found))
    if entry is None:
        return walk.report()
    plugin = walk.take(plugin_step(settings, found, entry))
    if plugin is None:
        return walk.report()
    in_process = walk.take(in_process_step(settings, entry, plugin))
    if explain is None and access_entries and in_process is not None:
        from eks_token.doctor.advice import access_explainer

        explain = access_explainer(entry, in_process)
    token = walk.take(token_step(settings, plugin, entry))
    if token is None:
        return walk.report()
    caller = walk.take(caller_identity_step(settings, entry, token))
    if caller is None:
        return walk.report()
    clock = clock_step(settings, caller)
    walk.checks.append(clock)
    if not clock.ok:
        return walk.report()
    reachable = walk.take(endpoint_step(settings, found, plugin))
    if reachable is None:
        return walk.report()
    try:
        authenticated = walk.take(authentication_step(entry, caller, reachable, explain))
        if authenticated is None:
            return walk.report()
        question = (verb, resource)
        walk.checks.append(
            authorization_step(found, caller, reachable, authenticated, question, explain)
        )
    finally:
        reachable.api.close()
    return walk.report()
