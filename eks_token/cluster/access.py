"""Who an identity is inside an EKS cluster, combining access entries and aws-auth as EKS does.

The cluster's ``accessConfig.authenticationMode`` decides the sources:

- ``CONFIG_MAP``: only the aws-auth ConfigMap (access entries are not consulted).
- ``API``: only access entries (aws-auth is ignored, even when it exists).
- ``API_AND_CONFIG_MAP``: an access entry for the principal wins; aws-auth is consulted only
  when no access entry matches.

An assumed-role session matches the access entry of its role. Access entries name the IAM
role itself, so an entry whose role ARN has a path (``role/team/dev``) matches sessions of
that role (``assumed-role/dev/...``), which carry no path; aws-auth compares ARNs as text,
where a path never matches. Without a username, an access entry's username is
``arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}}`` for a role (the role's name
without its path) and the user's ARN for an IAM user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eks_token.aws.access_entries import AccessEntry, AccessPolicy
from eks_token.cluster.identity import parse_arn
from eks_token.errors import ArnError, NotMappedError

if TYPE_CHECKING:
    from eks_token.cluster.aws_auth import AwsAuth, IdentityMapping, PrivateDnsLookup
    from eks_token.cluster.identity import Identity

__all__ = [
    "READ_VERBS",
    "AccessAnswer",
    "combine_access",
    "default_entry_username",
    "entry_matches",
    "forbidden_causes",
    "matching_entry_arn",
    "policies_for_namespace",
]

READ_VERBS = ("get", "list", "watch")
_MODES_WITH_ENTRIES = ("API", "API_AND_CONFIG_MAP")
_MODES_WITH_CONFIG_MAP = ("CONFIG_MAP", "API_AND_CONFIG_MAP")


@dataclass(frozen=True)
class AccessAnswer:
    """What the cluster makes of an identity, and from which source."""

    mode: str
    canonical_arn: str
    username: str | None
    groups: tuple[str, ...]
    #: ``access-entry``, ``aws-auth`` or None (not mapped).
    source: str | None
    reason: str
    entry: AccessEntry | None = None
    aws_auth: IdentityMapping | None = None

    @property
    def mapped(self) -> bool:
        return self.source is not None

    def to_dict(self) -> dict[str, object]:
        return {
            "mapped": self.mapped,
            "mode": self.mode,
            "source": self.source,
            "username": self.username,
            "groups": list(self.groups),
            "canonical_arn": self.canonical_arn,
            "reason": self.reason,
            "access_entry": self.entry.to_dict() if self.entry else None,
            "aws_auth": self.aws_auth.to_dict() if self.aws_auth else None,
        }


def entry_matches(principal_arn: str, identity: Identity) -> bool:
    """Whether an access entry for ``principal_arn`` is the identity's (roles by name,
    whatever the entry's path; users by their whole ARN; both case-insensitively)."""
    try:
        entry = parse_arn(principal_arn)
        wanted = parse_arn(identity.canonical_arn)
    except ArnError:
        return False
    if (entry.partition, entry.account_id, entry.kind) != (
        wanted.partition,
        wanted.account_id,
        wanted.kind,
    ):
        return False
    if entry.kind == "role":
        return entry.name.rsplit("/", 1)[-1].lower() == wanted.name.rsplit("/", 1)[-1].lower()
    return entry.name.lower() == wanted.name.lower()


def matching_entry_arn(principal_arns: Iterable[str], identity: Identity) -> str | None:
    """The principal ARN of the access entry that maps ``identity``, if any."""
    return next((arn for arn in principal_arns if entry_matches(arn, identity)), None)


def default_entry_username(entry: AccessEntry) -> str:
    """The username EKS gives an access entry that names none (templates unrendered)."""
    principal = parse_arn(entry.principal_arn)
    if principal.kind == "role":
        role = principal.name.rsplit("/", 1)[-1]
        return (
            f"arn:{principal.partition}:sts::{principal.account_id}:assumed-role/{role}"
            "/{{SessionName}}"
        )
    return entry.principal_arn


def combine_access(
    mode: str,
    identity: Identity,
    *,
    entry: AccessEntry | None = None,
    aws_auth: AwsAuth | None = None,
    private_dns_name: PrivateDnsLookup | None = None,
) -> AccessAnswer:
    """The identity's username and groups in a cluster of ``mode``, given its access entry
    (already matched, or None) and the aws-auth ConfigMap (None: not known)."""
    from eks_token.cluster.aws_auth import map_identity, render_template

    arn = identity.canonical_arn
    if mode in _MODES_WITH_ENTRIES and entry is not None:
        template = entry.username or default_entry_username(entry)
        username = render_template(template, identity, private_dns_name)
        groups = tuple(
            render_template(g, identity, private_dns_name) for g in entry.kubernetes_groups
        )
        shadow = " (it takes precedence over aws-auth)" if mode == "API_AND_CONFIG_MAP" else ""
        reason = f"access entry {entry.principal_arn} maps {arn}{shadow}"
        return AccessAnswer(mode, arn, username, groups, "access-entry", reason, entry)
    if mode in _MODES_WITH_CONFIG_MAP and aws_auth is not None:
        try:
            mapping = map_identity(aws_auth, identity, private_dns_name=private_dns_name)
        except NotMappedError as exc:
            prefix = "no access entry, and " if mode == "API_AND_CONFIG_MAP" else ""
            return AccessAnswer(mode, arn, None, (), None, prefix + str(exc))
        reason = f"aws-auth {mapping.matched_by} maps {arn}"
        if mode == "API_AND_CONFIG_MAP":
            reason += " (no access entry for it)"
        return AccessAnswer(
            mode, arn, mapping.username, mapping.groups, "aws-auth", reason, aws_auth=mapping
        )
    return AccessAnswer(mode, arn, None, (), None, _not_mapped_reason(mode, arn, aws_auth))


def _not_mapped_reason(mode: str, arn: str, aws_auth: AwsAuth | None) -> str:
    if mode == "API":
        return (
            f"the cluster authenticates only through access entries (API) and none maps {arn}; "
            "aws-auth is ignored in this mode"
        )
    # Without the ConfigMap the answer is unknown, not "no".
    unread = f"aws-auth was not read: whether it maps {arn} is not known"
    if mode == "CONFIG_MAP":
        if aws_auth is None:
            return f"the cluster authenticates only through aws-auth (CONFIG_MAP); {unread}"
        return (
            "the cluster authenticates only through aws-auth (CONFIG_MAP), which does not map "
            f"{arn}"
        )
    if aws_auth is None:
        return f"no access entry maps {arn}; {unread}"
    return f"no access entry maps {arn} and aws-auth does not either"


def policies_for_namespace(
    policies: Iterable[AccessPolicy], namespace: str | None
) -> tuple[AccessPolicy, ...]:
    """The associated policies that apply to a request in ``namespace`` (None: cluster-wide)."""
    return tuple(
        policy
        for policy in policies
        if policy.scope == "cluster" or (namespace is not None and namespace in policy.namespaces)
    )


def forbidden_causes(
    answer: AccessAnswer, verb: str, resource: str, namespace: str | None
) -> tuple[str, ...]:
    """Why a mapped identity may not ``verb resource`` in ``namespace``, most likely first."""
    who = f"{answer.username} ({', '.join(answer.groups) or 'no groups'})"
    rbac = f"no RBAC RoleBinding or ClusterRoleBinding of {who} allows {verb} {resource}"
    if answer.source != "access-entry" or answer.entry is None:
        return (f"{rbac}; aws-auth mappings get no EKS access policies",)
    entry = answer.entry
    if not entry.policies:
        return (f"the access entry has no associated access policy, and {rbac}",)
    where = f"namespace {namespace}" if namespace else "cluster-wide"
    applying = policies_for_namespace(entry.policies, namespace)
    causes: list[str] = []
    outside = [p for p in entry.policies if p not in applying]
    for policy in outside:
        causes.append(
            f"{policy.name} is scoped to namespaces {', '.join(policy.namespaces) or 'none'}; "
            f"the request is {'in ' + where if namespace else where}, outside its scope"
        )
    for policy in applying:
        if policy.name == "AmazonEKSViewPolicy" and verb not in READ_VERBS:
            causes.append(f"{policy.name} allows only {', '.join(READ_VERBS)}, not {verb}")
    if not causes:
        names = ", ".join(p.name for p in applying)
        causes.append(f"the associated policies ({names}) do not allow {verb} {resource}")
    causes.append(rbac)
    return tuple(causes)
