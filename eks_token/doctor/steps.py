"""The doctor's steps.

On this machine: the context, its exec entry as kubectl sees it, the plugin run as kubectl
runs it, the in-process second opinion, and the token's static rules. Asking others: STS
about the plugin's token, this machine's clock against STS's, and the API server
(reachability and TLS, authentication, authorization).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from eks_token.doctor.advice import (
    CLOCK_FIX,
    ago,
    clock_check,
    credentials_fix,
    future_token_causes,
    plugin_fix,
    sts_fix,
    token_rules_fix,
    unauthorized_causes,
)
from eks_token.doctor.report import (
    Authenticated,
    CallerIdentity,
    Check,
    Context,
    Explanation,
    InProcess,
    PluginToken,
    Reachable,
    RunnableEntry,
    Settings,
    ValidToken,
)
from eks_token.errors import ContextEntryError, EksTokenError, ExecPluginError

if TYPE_CHECKING:
    from eks_token.cluster.identity import Identity

__all__ = [
    "AccessExplainer",
    "authentication_step",
    "authorization_step",
    "caller_identity_step",
    "clock_step",
    "endpoint_step",
    "exec_entry_step",
    "in_process_step",
    "kubeconfig_step",
    "plugin_step",
    "token_step",
]


def kubeconfig_step(
    settings: Settings, context: str | None, kubeconfig: str | None
) -> Context | Check:
    from eks_token.kubeconfig.files import load_context

    try:
        view = load_context(context, kubeconfig, settings.environ)
    except EksTokenError as exc:
        return Check(
            "kubeconfig", False, str(exc), fix="check --context, --kubeconfig and KUBECONFIG"
        )
    details: dict[str, object] = {
        "context": view.name,
        "source": str(view.source),
        "server": view.cluster.server,
        "user": view.user.name,
        "namespace": view.namespace,
    }
    return Context(
        Check("kubeconfig", True, f"context {view.name!r} ({view.source})", details), view
    )


def exec_entry_step(settings: Settings, context: Context) -> RunnableEntry | Check:
    """kubectl's checks of the entry (apiVersion, interactiveMode, the command on PATH or
    beside the kubeconfig), then what it asks for (args, env, provideClusterInfo)."""
    from eks_token.aws.lean_profile import profile_name
    from eks_token.inprocess.context_token import request_for_context
    from eks_token.kubeconfig.exec_check import check_exec_entry

    name = "exec-entry"
    view = context.view
    try:
        kubectl = check_exec_entry(
            view, settings.environ, stdin_is_terminal=settings.stdin_is_terminal
        )
    except ContextEntryError as exc:
        details: dict[str, object] = {}
        if view.user.exec is not None:
            details = {"command": view.user.exec.command, "api_version": view.user.exec.api_version}
        return Check(name, False, exc.problem, details, fix=exc.fix)
    details = kubectl.to_dict()
    try:
        invocation, request = request_for_context(view, settings.environ)
    except ContextEntryError as exc:
        return Check(name, False, exc.problem, details, fix=exc.fix)
    cluster_id = request.cluster_id
    options = request.options
    details.update(
        tool=invocation.tool,
        cluster_id=cluster_id,
        region=options.region,
        # --profile, else the environment's (which its keys, when set, come before)
        profile=options.profile or profile_name(request.environ) or None,
        role_arn=options.role_arn,
    )
    summary = (
        f"kubectl runs {kubectl.executable} ({kubectl.api_version}, interactiveMode "
        f"{kubectl.interactive_mode}) for cluster {cluster_id!r}"
    )
    return RunnableEntry(Check(name, True, summary, details), kubectl, invocation, request)


def plugin_step(settings: Settings, context: Context, entry: RunnableEntry) -> PluginToken | Check:
    """Run the plugin exactly as kubectl would and check the ExecCredential it prints."""
    from eks_token.clock import format_rfc3339
    from eks_token.doctor.plugin import run_exec_plugin

    name = "plugin"
    try:
        credential = run_exec_plugin(
            context.view, entry.kubectl, settings.environ, timeout=settings.plugin_timeout
        )
    except ExecPluginError as exc:
        causes = tuple(f"the plugin said: {line}" for line in exc.stderr.splitlines()[-8:] if line)
        failure = {"exit_code": exc.exit_code, "stderr": exc.stderr}
        return Check(name, False, exc.message, failure, fix=plugin_fix(entry, exc), causes=causes)
    expiry = credential.expiration
    details: dict[str, object] = {
        "api_version": credential.api_version,
        "expiration_timestamp": format_rfc3339(expiry) if expiry else None,
        "seconds_left": int((expiry - settings.now).total_seconds()) if expiry else None,
    }
    notes: list[str] = []
    if expiry is None:
        notes.append("no expirationTimestamp: kubectl keeps this token for its whole run")
    elif expiry <= settings.now:
        notes.append(
            f"the token expired at {format_rfc3339(expiry)} (kubectl runs the plugin again)"
        )
    if credential.stderr:
        notes.append(f"the plugin wrote to stderr: {credential.stderr.splitlines()[-1]}")
    summary = f"printed an ExecCredential ({credential.api_version}) with a token"
    return PluginToken(Check(name, True, summary, details, notes=tuple(notes)), credential)


def in_process_step(settings: Settings, entry: RunnableEntry, plugin: PluginToken) -> InProcess:
    """Sign the same request here and compare what the two tokens say (never a failure:
    kubectl uses the plugin's token; a difference is a note)."""
    from eks_token.aws.signer import TokenSigner
    from eks_token.core.signing import sign_token
    from eks_token.core.token import decode_token

    name = "in-process"
    try:
        signer = TokenSigner.for_request(entry.request)
        credentials = signer.credentials()
        token = sign_token(entry.cluster_id, credentials, signer.endpoint, settings.now)
        method = signer.credential_method
    except EksTokenError as exc:
        note = f"signing here failed ({exc}); {credentials_fix(exc)}"
        return InProcess(
            Check(name, True, "not compared: signing here failed", notes=(note,)), None
        )
    details: dict[str, object] = {
        "source": method,
        "access_key_id": credentials.access_key_id,
        "temporary": credentials.session_token is not None,
        "region": signer.region,
        "sts_endpoint": signer.endpoint.url,
    }
    try:
        differences = compare_urls(decode_token(plugin.credential.token), decode_token(token.value))
    except EksTokenError:
        differences = ["the plugin's token does not decode (see the token check)"]
    notes = tuple(f"the plugin's token differs from one signed here: {d}" for d in differences)
    summary = (
        "the same request signed here agrees with the plugin's"
        if not differences
        else f"{len(differences)} difference(s) from the plugin's token"
    )
    details["differences"] = differences
    return InProcess(Check(name, True, summary, details, notes=notes), signer)


def compare_urls(plugin_url: str, local_url: str) -> list[str]:
    """The fields of two presigned URLs that differ: STS host, access key id, credential
    scope (date aside), signed headers, session token present. Never a secret."""
    plugin, local = _url_fields(plugin_url), _url_fields(local_url)
    return [
        f"{label}: plugin {plugin[key]!r}, here {local[key]!r}"
        for key, label in (
            ("host", "STS host"),
            ("access_key_id", "access key id"),
            ("scope", "credential scope"),
            ("signed_headers", "signed headers"),
            ("session_token", "session token present"),
        )
        if plugin[key] != local[key]
    ]


def _url_fields(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    query = {k.lower(): v[0] for k, v in parse_qs(parts.query).items() if v}
    credential = query.get("x-amz-credential", "").split("/")
    return {
        "host": parts.netloc,
        "access_key_id": credential[0],
        "scope": "/".join(credential[2:]),
        "signed_headers": query.get("x-amz-signedheaders", ""),
        "session_token": "x-amz-security-token" in query,
    }


def token_step(
    settings: Settings, plugin: PluginToken, entry: RunnableEntry | None = None
) -> ValidToken | Check:
    """The plugin's token against the static rules the cluster's authenticator applies (and
    STS's refusal of a token signed ahead of its clock, with where such a token was kept)."""
    from eks_token.cluster.token_rules import check_token, inspect_token

    token = plugin.credential.token
    partition = inspect_token(token, now=settings.now).partition or "aws"
    report = inspect_token(token, now=settings.now, partition=partition)
    details = report.to_dict()
    if not report.valid:
        rules = [f.rule for f in report.failures]
        causes = tuple(f.message for f in report.failures)
        if "future" in rules:
            environ = entry.env if entry is not None else settings.environ
            causes += future_token_causes(token, environ)
        return Check(
            "token",
            False,
            f"the plugin's token breaks the cluster's rules: {', '.join(rules)}",
            details,
            causes=causes,
            fix=token_rules_fix(rules),
        )
    checked = check_token(token, now=settings.now, partition=partition)
    return ValidToken(
        Check("token", True, f"{report.length} bytes, passes every rule", details), checked
    )


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
