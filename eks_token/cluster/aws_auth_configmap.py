"""Reading the aws-auth ConfigMap as the cluster does (protocol §7).

Like the cluster's authenticator, a key whose YAML does not have the expected
shape is dropped as a whole, and an entry without an ARN is dropped alone;
every such case, and every entry that can never match, becomes a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eks_token.cluster.arn import parse_arn
from eks_token.errors import ArnError, MappingError

__all__ = ["AwsAuth", "MappingEntry", "load_aws_auth_file", "parse_aws_auth"]

_DATA_KEYS = ("mapRoles", "mapUsers", "mapAccounts")


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
        elif principal.canonical != entry.arn:
            # Only session ARNs differ from their canonical form; federated users do not.
            warnings.append(
                f"{entry.source} entry {entry.arn!r} can never match: identities are matched "
                f"by their canonical ARN; write {principal.canonical!r}"
            )
