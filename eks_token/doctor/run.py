"""``eks-token doctor``: walk the chain from kubeconfig to RBAC and stop at the first break.

Every link is checked in-process (the token is signed here, not by running
kubectl or the plugin), and each yields a :class:`Check` saying what was
found and, when it is broken, what to do about it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from eks_token.clock import utc_now
from eks_token.doctor.report import DEFAULT_MAX_CLOCK_SKEW, Check, DoctorReport

__all__ = ["run_doctor"]


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
    from eks_token.doctor.chain import Chain

    chain = Chain(
        environ=os.environ if environ is None else environ,
        now=now if now is not None else utc_now(),
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
