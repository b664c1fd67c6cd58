"""Why the cluster refused an identity, from its EKS access entries and authentication mode.

Asked only after a 401 or a 403, with the credentials the exec entry signs with. Not being
allowed to read the access entries is itself reported, with the IAM action needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eks_token.doctor.results import Explanation, InProcess, RunnableEntry
from eks_token.errors import EksApiError, EksTokenError

if TYPE_CHECKING:
    from eks_token.aws.access_entries import EksAccessApi
    from eks_token.cluster.access_mapping import AccessAnswer
    from eks_token.cluster.identity import Identity
    from eks_token.doctor.steps_remote import AccessExplainer

__all__ = ["access_explainer"]

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
        from eks_token.cluster.access_mapping import combine_access, matching_entry_arn

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
    from eks_token.cluster.access_mapping import forbidden_causes

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
