"""What the doctor says about a broken link: clock checks, likely causes and fixes, and why
the cluster refused an identity, from its EKS access entries and authentication mode.

Access entries are asked only after a 401 or a 403, with the credentials the exec entry
signs with. Not being allowed to read the access entries is itself reported, with the IAM
action needed.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from eks_token.clock import format_rfc3339
from eks_token.doctor.report import Check, Explanation, InProcess, RunnableEntry
from eks_token.errors import (
    CredentialsError,
    EksApiError,
    EksTokenError,
    ProfileNotFoundError,
    RoleAssumptionError,
    StsThrottledError,
    StsUnreachableError,
)

if TYPE_CHECKING:
    from eks_token.aws.access_entries import EksAccessApi
    from eks_token.cluster.access import AccessAnswer
    from eks_token.cluster.identity import Identity
    from eks_token.doctor.steps import AccessExplainer
    from eks_token.errors import ExecPluginError

__all__ = [
    "CLOCK_FIX",
    "FUTURE_TOKEN_FIX",
    "TOKEN_RULES_FIX",
    "access_explainer",
    "ago",
    "clock_check",
    "credentials_fix",
    "future_token_causes",
    "plugin_fix",
    "sts_fix",
    "token_rules_fix",
    "unauthorized_causes",
]


CLOCK_FIX = (
    "synchronise the system clock with NTP (e.g. 'timedatectl set-ntp true', or "
    "'w32tm /resync' on Windows); tokens are valid for 15 minutes from the time they claim"
)
#: A token signed ahead of a clock that is right: kept from a time the clock was ahead.
FUTURE_TOKEN_FIX = (
    "run 'eks-token cache clear' (or clear the cache of the plugin that printed it), then "
    "kubectl again: the token was kept from a time this machine's clock was ahead"
)
#: What to do about each static rule a plugin's token breaks (rule name -> fix).
_TOKEN_RULE_FIXES = {
    "length": (
        "a very long session token makes tokens over 4096 bytes: use shorter-lived or role "
        "credentials"
    ),
    "endpoint": (
        "sign for the partition's STS endpoint: a custom one (AWS_ENDPOINT_URL_STS, "
        "AWS_ENDPOINT_URL, endpoint_url in the profile) must be an https STS host the "
        "cluster accepts"
    ),
    "clock": CLOCK_FIX,
    "future": FUTURE_TOKEN_FIX,
}
_RULE_GROUPS = {
    "length": "length",
    "scheme": "endpoint",
    "host": "endpoint",
    "path": "endpoint",
    "expired": "clock",
    "date": "clock",
    "future": "future",
}
#: For the rules no setting explains: the plugin does not make EKS tokens.
TOKEN_RULES_FIX = (
    "the plugin does not make a valid EKS token: run eks-token (or aws eks get-token) in the "
    "exec entry ('eks-token kubeconfig migrate')"
)


def token_rules_fix(rules: Iterable[str]) -> str:
    """What to do about a plugin's token that breaks ``rules`` (the cluster's rule names)."""
    fixes: list[str] = []
    for rule in rules:
        fix = _TOKEN_RULE_FIXES.get(_RULE_GROUPS.get(rule, ""), TOKEN_RULES_FIX)
        if fix not in fixes:
            fixes.append(fix)
    return "; ".join(fixes) or TOKEN_RULES_FIX


def future_token_causes(token: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    """Why a plugin prints a token signed ahead of this machine's clock: where it was kept."""
    from eks_token.cache.file_cache import FileTokenCache

    cache = FileTokenCache(environ=environ)
    if any(entry.token == token for entry in cache.entries()):
        return (
            f"the token is in eks-token's token cache ({cache.directory}): it was signed "
            "while this machine's clock was ahead and kept there since",
        )
    return (
        "the plugin printed a token it kept from a time this machine's clock was ahead of "
        "what it reads now",
    )


def ago(delta: timedelta) -> str:
    """``12m05s`` or ``42s`` for the size of ``delta``."""
    seconds = int(abs(delta.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def clock_check(
    now: datetime, sts_date: datetime | None, max_skew: timedelta, *, rejected: bool = False
) -> Check:
    """This machine's clock against STS's ``Date``; ``rejected``: STS refused the token."""
    if sts_date is None:
        return Check("clock", True, "STS sent no Date header; skew not measured")
    skew = now - sts_date
    direction = "ahead of" if skew > timedelta(0) else "behind"
    details: dict[str, object] = {
        "local_time": format_rfc3339(now),
        "sts_time": format_rfc3339(sts_date),
    }
    details["skew_seconds"] = int(skew.total_seconds())
    if abs(skew) <= max_skew:
        return Check("clock", True, f"within {ago(skew)} of STS", details)
    summary = f"this machine's clock is {ago(skew)} {direction} STS"
    causes: tuple[str, ...] = ()
    if rejected:
        summary += ", so STS rejects the token's signing time"
        causes = (
            "the token claims to be signed at this machine's time; STS accepts it only "
            "within 15 minutes of its own clock",
        )
    return Check("clock", False, summary, details, fix=CLOCK_FIX, causes=causes)


def credentials_fix(exc: EksTokenError) -> str:
    if isinstance(exc, ProfileNotFoundError):
        return "fix the profile name in the exec entry (AWS_PROFILE or --profile)"
    if isinstance(exc, RoleAssumptionError):
        return "check the role's trust policy and that your identity may sts:AssumeRole it"
    if isinstance(exc, CredentialsError):
        return (
            "configure credentials: 'aws configure', 'aws sso login --profile P', or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    return "fix the exec entry's arguments"


def sts_fix(exc: EksTokenError, *, clock_agrees: bool = False) -> str:
    """What to do when STS refuses the plugin's token; ``clock_agrees``: this machine's clock
    is within the tolerated skew of STS's (so a signing time STS calls "not yet current" was
    not this clock's: the token was kept from a time it was ahead)."""
    if isinstance(exc, StsUnreachableError):
        return "check the network path to STS (proxy, firewall, VPC endpoint, region)"
    if isinstance(exc, StsThrottledError):
        return "STS is throttling this account; wait and try again"
    text = str(exc)
    if "not yet current" in text and clock_agrees:
        return FUTURE_TOKEN_FIX
    if "expired" in text.lower() or "not yet current" in text:
        return "STS thinks the signing time is wrong: synchronise this machine's clock"
    return (
        "the credentials are invalid, expired or revoked: refresh them ('aws sso login', "
        "new access keys) and check the region"
    )


def unauthorized_causes(arn: str, cluster_id: str, sts_host: str) -> tuple[str, ...]:
    """Why a cluster answers 401 to a token STS accepted, most likely first."""
    return (
        f"{arn} is not mapped: add it to the aws-auth ConfigMap (mapRoles or mapUsers) or "
        f"create an access entry: aws eks create-access-entry --cluster-name "
        f"{cluster_id} --principal-arn {arn}",
        f"wrong cluster id: the token is for {cluster_id!r}; it must be the EKS "
        "cluster's name (or an Outposts local cluster's id)",
        f"wrong region or partition: the token is signed for {sts_host}; "
        "the cluster must accept that STS host",
        "expired credentials: refresh them ('aws sso login', new keys) and try again",
    )


def plugin_fix(entry: RunnableEntry, exc: ExecPluginError) -> str:
    """What to do when the plugin, run as kubectl runs it, fails or prints no credential."""
    command = shlex.join(entry.kubectl.argv)
    if exc.exit_code is None and "did not finish" in exc.message:
        return (
            "the plugin waited too long (a prompt, or the network): run it yourself in a "
            f"terminal to see: {command}"
        )
    if exc.exit_code == 0:
        return (
            f"the command is not an ExecCredential plugin for {entry.kubectl.api_version}: "
            "run 'eks-token kubeconfig migrate', or point the entry at 'eks-token token -i "
            f"{entry.cluster_id}'"
        )
    text = exc.stderr.lower()
    if "credential" in text or "profile" in text or "sso" in text:
        return (
            "configure the credentials the entry uses ('aws configure', 'aws sso login "
            "--profile P', or AWS_PROFILE in the entry's env), then run kubectl again"
        )
    return f"read the plugin's message above; to run it by hand: {command}"


_POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"


def access_explainer(entry: RunnableEntry, in_process: InProcess) -> AccessExplainer | None:
    """An explainer asking EKS about ``entry``'s cluster, or None when nothing was signed
    in-process (no credentials to ask with)."""
    signer = in_process.signer
    if signer is None:
        return None

    def connect() -> EksAccessApi:
        from eks_token.aws.access_entries import EksAccessApi

        return EksAccessApi.connect(
            entry.cluster_id,
            region=signer.region,
            credentials=signer.credentials(),
            environ=entry.env,
        )

    def explain(identity: Identity, question: tuple[str, str, str] | None) -> Explanation | None:
        from eks_token.cluster.access import combine_access, matching_entry_arn

        try:
            api = connect()
            mode = api.authentication_mode()
            found = None
            if mode != "CONFIG_MAP":
                arn = matching_entry_arn(api.principal_arns(), identity)
                found = api.entry(arn) if arn else None
        except EksApiError as exc:
            return _unreadable(exc, entry.cluster_id, exc.action)
        except EksTokenError as exc:
            return _unreadable(exc, entry.cluster_id, "eks:DescribeCluster")
        answer = combine_access(mode, identity, entry=found)
        if question is None:
            return _unauthorized(answer, entry.cluster_id)
        return _forbidden(answer, entry.cluster_id, *question)

    return explain


def _unreadable(exc: EksTokenError, cluster: str, action: str) -> Explanation:
    denied = isinstance(exc, EksApiError) and exc.code == "AccessDeniedException"
    cause = f"the cluster's access entries could not be read: {exc}"
    details: dict[str, object] = {"access_entries_error": str(exc)}
    if denied:
        details["iam_action_needed"] = action
        cause += (
            f"; allow {action} (and eks:DescribeCluster, eks:ListAccessEntries, "
            "eks:DescribeAccessEntry, eks:ListAssociatedAccessPolicies) for a precise answer, "
            f"or ask an administrator to run 'eks-token map --access-entries {cluster} --arn ARN'"
        )
    return Explanation((cause,), None, details, replaces_default=False)


def _details(answer: AccessAnswer) -> dict[str, object]:
    return {
        "authentication_mode": answer.mode,
        "mapped_by": answer.source,
        "access_entry": answer.entry.to_dict() if answer.entry else None,
    }


def _unauthorized(answer: AccessAnswer, cluster: str) -> Explanation:
    arn = answer.canonical_arn
    if answer.mapped:
        causes = (
            f"{answer.reason} (mode {answer.mode}): the mapping is not what fails",
            "if the IAM role or user was deleted and created again, the access entry still "
            "points at the old one: delete the access entry and create it again",
        )
        return Explanation(causes, None, _details(answer))
    reason = answer.reason
    if answer.mode == "CONFIG_MAP":  # aws-auth is not read here: the 401 answers for it
        reason = (
            "the cluster authenticates only through aws-auth (CONFIG_MAP), which does not "
            f"map {arn}"
        )
    elif answer.mode != "API":
        reason = f"no access entry maps {arn} and, by the cluster's 401, aws-auth does not either"
    create = (
        f"aws eks create-access-entry --cluster-name {cluster} --principal-arn {arn} (the "
        "role's full ARN, with its path if it has one), then aws eks associate-access-policy"
    )
    if answer.mode == "CONFIG_MAP":
        fix = (
            f"add {arn} to aws-auth (mapRoles or mapUsers) with 'kubectl edit -n kube-system "
            "configmap/aws-auth', or switch the cluster to API_AND_CONFIG_MAP ('aws eks "
            f"update-cluster-config --name {cluster} --access-config "
            f"authenticationMode=API_AND_CONFIG_MAP') and run {create}"
        )
    elif answer.mode == "API":
        fix = f"create an access entry (aws-auth is ignored in API mode): {create}"
    else:
        fix = f"create an access entry: {create}; or add {arn} to aws-auth"
    return Explanation((reason,), fix, _details(answer))


def _forbidden(
    answer: AccessAnswer, cluster: str, verb: str, resource: str, namespace: str
) -> Explanation:
    from eks_token.cluster.access import forbidden_causes

    causes = forbidden_causes(answer, verb, resource, namespace)
    details = _details(answer)
    if answer.entry is None:
        return Explanation(causes, None, details)
    policy = "AmazonEKSViewPolicy" if verb in ("get", "list", "watch") else "AmazonEKSEditPolicy"
    fix = (
        f"associate an access policy that covers namespace {namespace}: aws eks "
        f"associate-access-policy --cluster-name {cluster} --principal-arn "
        f"{answer.entry.principal_arn} --policy-arn {_POLICY_PREFIX}{policy} --access-scope "
        f"type=namespace,namespaces={namespace}; or bind {answer.username} with RBAC "
        f"(kubectl create rolebinding NAME --clusterrole=view --user={answer.username} "
        f"-n {namespace})"
    )
    return Explanation(causes, fix, details)
