"""The aws-auth ConfigMap: parse it as the cluster does and map an identity (protocol §7).

Like the cluster's authenticator, a key whose YAML does not have the expected
shape is dropped as a whole, and an entry without an ARN is dropped alone;
every such case, and every entry that can never match, becomes a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .arn import parse_arn
from .errors import ArnError, MappingError

if TYPE_CHECKING:
    from .identity import Identity
    from .kube_api import KubeApi

__all__ = [
    "AWS_AUTH_PATH",
    "AwsAuth",
    "Ec2PrivateDnsNames",
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
_DATA_KEYS = ("mapRoles", "mapUsers", "mapAccounts")

PrivateDnsLookup = Callable[[str], str]


class NotMappedError(MappingError):
    """The ConfigMap maps neither the identity's ARN nor its account."""


@dataclass(frozen=True)
class MappingEntry:
    """One usable entry of mapRoles or mapUsers."""

    source: str
    arn: str
    username: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class AwsAuth:
    """The entries the cluster would use, and the warnings about the ones it would not."""

    roles: tuple[MappingEntry, ...] = ()
    users: tuple[MappingEntry, ...] = ()
    accounts: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


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


def parse_aws_auth(configmap: Mapping[str, Any]) -> AwsAuth:
    """Read a ConfigMap object (as ``kubectl get configmap aws-auth -o yaml`` prints it)."""
    data = configmap.get("data", configmap) if isinstance(configmap, Mapping) else None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise MappingError("the aws-auth ConfigMap's data is not a mapping")
    warnings: list[str] = []
    roles = _entries(data.get("mapRoles"), "mapRoles", "rolearn", warnings)
    users = _entries(data.get("mapUsers"), "mapUsers", "userarn", warnings)
    accounts = _accounts(data.get("mapAccounts"), warnings)
    for key in data:
        lowered = str(key).lower()
        if lowered in ("maproles", "mapusers", "mapaccounts") and key not in _DATA_KEYS:
            warnings.append(f"data key {key!r} is ignored: the keys are case-sensitive")
    _warn_never_matching(roles, users, warnings)
    return AwsAuth(tuple(roles), tuple(users), tuple(accounts), tuple(warnings))


def load_aws_auth_file(path: str | Path) -> AwsAuth:
    """Parse a YAML (or JSON) file holding the aws-auth ConfigMap."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read {path}: {type(exc).__name__}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{path} is not valid YAML") from exc
    if not isinstance(document, Mapping) or not isinstance(document.get("data"), Mapping):
        raise MappingError(f"{path} is not a ConfigMap with data (kubectl get cm aws-auth -o yaml)")
    return parse_aws_auth(document)


def fetch_aws_auth(api: KubeApi) -> AwsAuth:
    """Read kube-system/aws-auth from the cluster."""
    from .kube_api import ApiRequestError

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


class Ec2PrivateDnsNames:
    """``{{EC2PrivateDNSName}}``: the instance's private DNS name from EC2 DescribeInstances."""

    def __init__(self, region: str | None, *, profile: str | None = None) -> None:
        self.region = region
        self.profile = profile
        self._client: Any = None

    def __call__(self, instance_id: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self._client is None:
                from .aws import make_session

                self._client = make_session(self.profile).create_client("ec2", self.region)
            answer = self._client.describe_instances(InstanceIds=[instance_id])
            names = [
                instance.get("PrivateDnsName")
                for reservation in answer.get("Reservations", [])
                for instance in reservation.get("Instances", [])
            ]
        except (BotoCoreError, ClientError) as exc:
            raise MappingError(
                f"EC2 DescribeInstances for {instance_id} failed: {type(exc).__name__}"
            ) from exc
        if not names or not names[0]:
            raise MappingError(f"EC2 instance {instance_id} has no private DNS name")
        return str(names[0])


def _yaml_list(raw: object, key: str, warnings: list[str]) -> list[Any] | None:
    if raw is None:
        return None
    import yaml

    if not isinstance(raw, str):
        warnings.append(f"{key} is dropped: its value must be a YAML string")
        return None
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        warnings.append(f"{key} is dropped: it is not valid YAML")
        return None
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.append(f"{key} is dropped: it must be a YAML list")
        return None
    return value


def _entries(raw: object, key: str, arn_field: str, warnings: list[str]) -> list[MappingEntry]:
    items = _yaml_list(raw, key, warnings)
    if not items:
        return []
    parsed: list[dict[str, Any]] = []
    for number, item in enumerate(items, 1):
        fields = _fields(item)
        if fields is None:
            warnings.append(
                f"{key} is dropped as a whole: entry {number} has a field of the wrong type "
                "(arn and username are strings, groups a list of strings)"
            )
            return []
        parsed.append(fields)
    entries: list[MappingEntry] = []
    for number, fields in enumerate(parsed, 1):
        arn = fields.get(arn_field)
        if not arn:
            warnings.append(f"{key} entry {number} is dropped: it has no {arn_field}")
            continue
        username = fields.get("username") or ""
        if not username:
            warnings.append(f"{key} entry {number} ({arn}) has no username: it cannot log in")
            continue
        entries.append(MappingEntry(key, arn, username, tuple(fields.get("groups") or ())))
    return entries


def _fields(item: object) -> dict[str, Any] | None:
    """Field names match case-insensitively; None when a field has the wrong type."""
    if not isinstance(item, Mapping):
        return None
    fields: dict[str, Any] = {}
    for name, value in item.items():
        key = str(name).lower()
        if value is not None and not _field_type_ok(key, value):
            return None
        fields[key] = value
    return fields


def _field_type_ok(key: str, value: object) -> bool:
    if key in ("rolearn", "userarn", "username"):
        return isinstance(value, str)
    if key == "groups":
        return isinstance(value, list) and all(isinstance(g, str) for g in value)
    return True


def _accounts(raw: object, warnings: list[str]) -> list[str]:
    items = _yaml_list(raw, "mapAccounts", warnings)
    if not items:
        return []
    if not all(isinstance(item, str) for item in items):
        warnings.append(
            "mapAccounts is dropped as a whole: account ids must be quoted strings "
            '(write - "111122223333")'
        )
        return []
    return [str(item) for item in items]


def _warn_never_matching(
    roles: list[MappingEntry], users: list[MappingEntry], warnings: list[str]
) -> None:
    for entry in roles + users:
        try:
            principal = parse_arn(entry.arn)
        except ArnError:
            warnings.append(f"{entry.source} entry {entry.arn!r} can never match: not an IAM ARN")
            continue
        if entry.source == "mapRoles" and principal.kind == "role" and principal.has_path:
            short = f"arn:{principal.partition}:iam::{principal.account_id}:role/"
            short += principal.name.rsplit("/", 1)[-1]
            warnings.append(
                f"mapRoles entry {entry.arn!r} can never match an assumed role: session ARNs "
                f"carry no path; write {short!r}"
            )
        elif principal.kind not in ("role", "user", "root") or principal.canonical != entry.arn:
            warnings.append(
                f"{entry.source} entry {entry.arn!r} can never match: identities are matched "
                "by their canonical ARN (iam role/..., user/... or root)"
            )


def _not_mapped_reason(config: AwsAuth, identity: Identity) -> str:
    reason = (
        f"{identity.canonical_arn} is not mapped: no mapRoles or mapUsers entry has that ARN "
        f"and account {identity.account_id} is not in mapAccounts"
    )
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
