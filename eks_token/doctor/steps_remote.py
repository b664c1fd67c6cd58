"""The doctor's steps that ask others: STS about the plugin's token, this machine's clock
against STS's, and the API server (reachability and TLS, authentication, authorization)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from eks_token.doctor.advice import CLOCK_FIX, ago, clock_check, sts_fix, unauthorized_causes
from eks_token.doctor.report import Check
from eks_token.doctor.results import (
    Authenticated,
    CallerIdentity,
    Context,
    Explanation,
    PluginToken,
    Reachable,
    RunnableEntry,
    Settings,
    ValidToken,
)
from eks_token.errors import EksTokenError

if TYPE_CHECKING:
    from eks_token.cluster.identity import Identity

__all__ = [
    "AccessExplainer",
    "authentication_step",
    "authorization_step",
    "caller_identity_step",
    "clock_step",
    "endpoint_step",
]

#: Why the cluster refused ``identity``: for a 401 (no question) or a 403 (verb, resource,
#: namespace), from EKS's access entries and aws-auth; None when nothing more is known.
AccessExplainer = Callable[["Identity", "tuple[str, str, str] | None"], "Explanation | None"]


def caller_identity_step(
    settings: Settings, entry: RunnableEntry, token: ValidToken
) -> CallerIdentity | Check:
    """STS checks the plugin's token for the entry's cluster id, as the cluster would."""
    from eks_token.cluster.verifier import call_sts, sts_server_date

    name = "caller-identity"
    try:
        answer = call_sts(
            token.checked,
            entry.cluster_id,
            sts_endpoint_url=settings.sts_endpoint_url,
            timeout=settings.timeout,
        )
    except EksTokenError as exc:
        server_date = sts_server_date(exc)
        if server_date is None or abs(settings.now - server_date) <= settings.max_clock_skew:
            fix = sts_fix(exc, clock_agrees=server_date is not None)
            return Check(name, False, str(exc), fix=fix)
        clock = clock_check(settings.now, server_date, settings.max_clock_skew, rejected=True)
        skew = ago(settings.now - server_date)
        return Check(
            name,
            False,
            str(exc),
            causes=(f"this machine's clock is {skew} off STS's: see the clock check",),
            fix=CLOCK_FIX,
            followed_by=(clock,),
        )
    identity = answer.identity
    check = Check(name, True, identity.arn, identity.to_dict())
    return CallerIdentity(check, identity, answer.server_date)


def clock_step(settings: Settings, caller: CallerIdentity) -> Check:
    return clock_check(settings.now, caller.sts_date, settings.max_clock_skew)


def endpoint_step(settings: Settings, context: Context, plugin: PluginToken) -> Reachable | Check:
    from eks_token.cluster.kube_api import KubeApi
    from eks_token.errors import ApiTlsError

    cluster = context.view.cluster
    details: dict[str, object] = {
        "server": cluster.server,
        "ca": "certificate-authority-data"
        if cluster.certificate_authority_data
        else cluster.certificate_authority or "system trust store",
        "insecure_skip_tls_verify": cluster.insecure_skip_tls_verify,
    }
    api = KubeApi.for_cluster(cluster, plugin.credential.token, timeout=settings.timeout)
    try:
        status = api.ping()
    except ApiTlsError as exc:
        api.close()
        return Check(
            "endpoint",
            False,
            str(exc),
            details,
            fix="the kubeconfig's CA is not the cluster's: run 'aws eks update-kubeconfig "
            "--name CLUSTER' again, or compare with 'aws eks describe-cluster --query "
            "cluster.certificateAuthority.data'",
        )
    except EksTokenError as exc:
        api.close()
        return Check(
            "endpoint",
            False,
            str(exc),
            details,
            fix="check the server URL, VPN and proxy, and the cluster's endpoint access "
            "(public/private) and security groups",
        )
    details["status_without_token"] = status
    check = Check("endpoint", True, f"{cluster.server} answers and TLS verifies", details)
    return Reachable(check, api)


def authentication_step(
    entry: RunnableEntry,
    caller: CallerIdentity,
    reachable: Reachable,
    explain: AccessExplainer | None,
) -> Authenticated | Check:
    from eks_token.errors import ApiRequestError, ApiUnauthorizedError

    identity = caller.identity
    try:
        user = reachable.api.whoami()
    except ApiUnauthorizedError:
        causes = unauthorized_causes(identity.canonical_arn, entry.cluster_id, identity.sts_host)
        fix = (
            "check the causes above in order; 'eks-token map --arn ARN' shows what access "
            "entries and aws-auth make of an identity"
        )
        details: dict[str, object] = {
            "canonical_arn": identity.canonical_arn,
            "cluster_id": entry.cluster_id,
        }
        found = explain(identity, None) if explain else None
        if found is not None and found.replaces_default:
            causes = (*found.causes, *causes[1:])
        elif found is not None:
            causes = (*causes, *found.causes)
        if found is not None:
            fix = found.fix or fix
            details.update(found.details)
        summary = f"the cluster does not accept the token of {identity.canonical_arn} (401)"
        return Check("authentication", False, summary, details, causes=causes, fix=fix)
    except ApiRequestError as exc:
        summary = f"the cluster accepted the token (no username: {exc})"
        check = Check("authentication", True, summary, {"canonical_arn": identity.canonical_arn})
        return Authenticated(check, None)
    except EksTokenError as exc:
        return Check("authentication", False, str(exc))
    groups = ", ".join(user.groups) or "no groups"
    check = Check("authentication", True, f"{user.username} ({groups})", user.to_dict())
    return Authenticated(check, user)


def authorization_step(
    context: Context,
    caller: CallerIdentity,
    reachable: Reachable,
    authenticated: Authenticated,
    question: tuple[str, str],
    explain: AccessExplainer | None,
) -> Check:
    verb, resource = question
    namespace = context.view.namespace or "default"
    try:
        review = reachable.api.can_i(verb, resource, namespace=namespace)
    except EksTokenError as exc:
        return Check("authorization", False, str(exc))
    asked = f"{verb} {resource} in namespace {namespace}"
    details = review.to_dict()
    if review.allowed:
        return Check("authorization", True, f"allowed to {asked}", details)
    user = authenticated.user
    who = user.username if user else "this user"
    groups = ", ".join(user.groups) if user else ""
    fix = (
        f"authentication works; grant access: kubectl create rolebinding NAME "
        f"--clusterrole=view --user={who} -n {namespace}"
        + (f" (or bind one of its groups: {groups})" if groups else "")
        + ", or associate an EKS access policy"
    )
    causes: tuple[str, ...] = ()
    found = explain(caller.identity, (verb, resource, namespace)) if explain else None
    if found is not None:
        causes = found.causes
        fix = found.fix or fix
        details.update(found.details)
    summary = f"RBAC says no: {who} may not {asked}"
    return Check("authorization", False, summary, details, causes=causes, fix=fix)
