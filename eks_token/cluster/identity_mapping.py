"""The aws-auth ConfigMap: map an identity to its Kubernetes user (protocol §7).

Parsing the ConfigMap, with its warnings about entries the cluster drops or
that can never match, is in :mod:`eks_token.cluster.aws_auth_configmap`; its names are
re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eks_token.cluster.arn import parse_arn
from eks_token.cluster.aws_auth_configmap import (
    AwsAuth,
    MappingEntry,
    load_aws_auth_file,
    parse_aws_auth,
)
from eks_token.errors import ArnError, MappingError, NotMappedError

if TYPE_CHECKING:
    from eks_token.cluster.identity import Identity
    from eks_token.cluster.kube_api import KubeApi

__all__ = [
    "AWS_AUTH_PATH",
    "AwsAuth",
    "IdentityMapping",
    "MappingEntry",
    "NotMappedError",
    "fetch_aws_auth",
    "load_aws_auth_file",
    "map_identity",
    "parse_aws_auth",
    "render_template",
]

AWS_AUTH_PATH = "/api/v1/namespaces/kube-system/configmaps/aws-auth"
_INSTANCE_ID = re.compile(r"^i-(\w{8}|\w{17})$")
_EC2_DNS = "{{EC2PrivateDNSName}}"

PrivateDnsLookup = Callable[[str], str]


@dataclass(frozen=True)
class IdentityMapping:
    """The Kubernetes user an identity becomes."""

    username: str
    groups: tuple[str, ...]
    matched_by: str
    entry_arn: str | None
    canonical_arn: str
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "mapped": True,
            "username": self.username,
            "groups": list(self.groups),
            "matched_by": self.matched_by,
            "entry_arn": self.entry_arn,
            "canonical_arn": self.canonical_arn,
            "warnings": list(self.warnings),
        }


def fetch_aws_auth(api: KubeApi) -> AwsAuth:
    """Read kube-system/aws-auth from the cluster."""
    from eks_token.errors import ApiRequestError

    try:
        document = api.get_json(AWS_AUTH_PATH)
    except ApiRequestError as exc:
        if exc.status == 404:
            raise MappingError(
                "the cluster has no kube-system/aws-auth ConfigMap (it may use access entries)"
            ) from exc
        raise
    if not isinstance(document, Mapping):
        raise MappingError("the API server answered no ConfigMap for kube-system/aws-auth")
    return parse_aws_auth(document)


def map_identity(
    config: AwsAuth, identity: Identity, *, private_dns_name: PrivateDnsLookup | None = None
) -> IdentityMapping:
    """Username and groups for ``identity``: mapRoles, then mapUsers, then mapAccounts."""
    wanted = identity.canonical_arn.lower()
    for source, entries in (("mapRoles", config.roles), ("mapUsers", config.users)):
        # The cluster keeps the last of several entries for the same ARN.
        matches = [entry for entry in entries if entry.arn.lower() == wanted]
        if matches:
            entry = matches[-1]
            username = render_template(entry.username, identity, private_dns_name)
            groups = tuple(render_template(g, identity, private_dns_name) for g in entry.groups)
            return IdentityMapping(
                username, groups, source, entry.arn, identity.canonical_arn, config.warnings
            )
    if identity.account_id in config.accounts:
        return IdentityMapping(
            identity.canonical_arn, (), "mapAccounts", None, identity.canonical_arn, config.warnings
        )
    raise NotMappedError(_not_mapped_reason(config, identity))


def render_template(
    template: str, identity: Identity, private_dns_name: PrivateDnsLookup | None = None
) -> str:
    """Fill ``{{AccountID}}``, ``{{SessionName}}``, ``{{SessionNameRaw}}``, ``{{AccessKeyID}}``
    and ``{{EC2PrivateDNSName}}`` as the cluster does."""
    session = identity.session_name or ""
    if _EC2_DNS in template:
        if not _INSTANCE_ID.match(session):
            raise MappingError(
                f"{_EC2_DNS} needs a session name that is an EC2 instance id, "
                f"not {session or 'none'!r}"
            )
        if private_dns_name is None:
            raise MappingError(f"{_EC2_DNS} needs an EC2 lookup (give the cluster's region)")
        template = template.replace(_EC2_DNS, private_dns_name(session))
    template = template.replace("{{AccountID}}", identity.account_id)
    template = template.replace("{{SessionName}}", session.replace("@", "-"))
    template = template.replace("{{SessionNameRaw}}", session)
    return template.replace("{{AccessKeyID}}", identity.access_key_id)


def _not_mapped_reason(config: AwsAuth, identity: Identity) -> str:
    reason = (
        f"{identity.canonical_arn} is not mapped: no mapRoles or mapUsers entry has that ARN "
        f"and account {identity.account_id} is not in mapAccounts"
    )
    if config.ignored:
        keys = " and ".join(key for key, _ in config.ignored)
        reason += f" ({keys}: malformed, so the cluster ignores it)"
    wanted = parse_arn(identity.canonical_arn)
    for entry in config.roles:
        try:
            principal = parse_arn(entry.arn)
        except ArnError:
            continue
        same_role = principal.name.rsplit("/", 1)[-1].lower() == wanted.name.lower()
        if (
            wanted.kind == "role"
            and principal.has_path
            and same_role
            and principal.account_id == wanted.account_id
        ):
            return reason + f"; the entry {entry.arn!r} has a role path, which never matches"
    return reason
