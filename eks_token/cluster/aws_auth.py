"""The aws-auth ConfigMap: read it as the cluster does and map an identity to its
Kubernetes user (protocol §7).

Like the cluster's authenticator, each data key is read on its own. A key
that does not decode into the expected shape (YAML that does not parse, not a
list, an entry that is not a mapping or has a field of the wrong type such as
``groups: system:masters``) is ignored with a warning naming it, and the other
keys still map; a running authenticator may keep the previous good value of
that key in memory, a fresh one reads it as empty. Only a data value that is
not a string refuses the whole ConfigMap (:class:`MappingError`): the API
server accepts no such object. Scalars where strings are expected are read as
their text, as the Go YAML decoder does (an unquoted account id
``- 555555555555`` counts). An entry without an ARN or username is dropped
alone; each such entry, and every entry that can never match, becomes a
warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from eks_token.cluster.identity import parse_arn
from eks_token.errors import ArnError, MappingError, NotMappedError

if TYPE_CHECKING:
    from eks_token.cluster.identity import Identity
    from eks_token.cluster.kube_api import KubeApi

__all__ = [
    "AWS_AUTH_PATH",
    "AwsAuth",
    "IdentityMapping",
    "MappingEntry",
    "fetch_aws_auth",
    "load_aws_auth_file",
    "map_identity",
    "parse_aws_auth",
    "render_template",
]


_DATA_KEYS = ("mapRoles", "mapUsers", "mapAccounts")
_T = TypeVar("_T")


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
    #: The data keys the cluster ignores as malformed, each with the reason.
    ignored: tuple[tuple[str, str], ...] = ()


def parse_aws_auth(configmap: Mapping[str, Any]) -> AwsAuth:
    """Read a ConfigMap object (as ``kubectl get configmap aws-auth -o yaml`` prints it).

    Each data key is read on its own: a malformed one is left out (see ``ignored`` and the
    warnings) and the others still map. Raises :class:`MappingError` only for a ConfigMap
    the API server cannot hold (a data value that is not a string).
    """
    data = configmap.get("data", configmap) if isinstance(configmap, Mapping) else None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise MappingError("the aws-auth ConfigMap's data is not a mapping")
    for key, value in data.items():
        if value is not None and not isinstance(value, str):
            raise MappingError(
                f"{_REFUSED}: data.{key} is a {_yaml_kind(value)}, not a string "
                f"(write it as a block string: '{key}: |')"
            )
    warnings: list[str] = []
    ignored: list[tuple[str, str]] = []

    def read(key: str, reader: Callable[[str | None], list[_T]]) -> list[_T]:
        """One key on its own: a malformed key is ignored, the others still map."""
        try:
            return reader(data.get(key))
        except MappingError as exc:
            ignored.append((key, str(exc)))
            warnings.append(_ignored_key_warning(key, str(exc)))
            return []

    roles = read("mapRoles", lambda raw: _entries(raw, "mapRoles", "rolearn", warnings))
    users = read("mapUsers", lambda raw: _entries(raw, "mapUsers", "userarn", warnings))
    accounts = read("mapAccounts", _accounts)
    for key in data:
        lowered = str(key).lower()
        if lowered in ("maproles", "mapusers", "mapaccounts") and key not in _DATA_KEYS:
            warnings.append(f"data key {key!r} is ignored: the keys are case-sensitive")
    _warn_never_matching(roles, users, warnings)
    return AwsAuth(tuple(roles), tuple(users), tuple(accounts), tuple(warnings), tuple(ignored))


_REFUSED = "the cluster refuses this aws-auth ConfigMap as a whole"


def _ignored_key_warning(key: str, reason: str) -> str:
    """What the cluster does with a malformed data key (protocol §7)."""
    return (
        f"{key} is malformed ({reason}): the cluster ignores {key} and still maps with the "
        f"other keys; an authenticator that read a good {key} before may keep using it until "
        "it restarts, a fresh one reads it as empty"
    )


def _yaml_kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return (
        "number"
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else (type(value).__name__)
    )


def load_aws_auth_file(path: str | Path) -> AwsAuth:
    """Parse a YAML (or JSON) file holding the aws-auth ConfigMap; ``-`` reads stdin.

    The file is read as kubectl reads a file it is given: a regular file only (a FIFO or
    device is refused rather than waited on), UTF-8 or UTF-16 with a byte order mark.
    """
    from eks_token.errors import KubeconfigError
    from eks_token.kubeconfig.files import decode_text, read_bytes

    try:
        if str(path) == "-":
            text = decode_text(_read_stdin(), "stdin")
        else:
            data = read_bytes(Path(path))
            if data is None:
                raise MappingError(
                    f"cannot read {path}: no such file (save the ConfigMap with 'kubectl get cm "
                    "aws-auth -n kube-system -o yaml > aws-auth.yaml')"
                )
            text = decode_text(data, path)
    except KubeconfigError as exc:
        raise MappingError(str(exc)) from exc
    return _parse_aws_auth_text(text, str(path) if str(path) != "-" else "stdin")


def _parse_aws_auth_text(text: str, source: str) -> AwsAuth:
    """The aws-auth ConfigMap in ``text`` (YAML or JSON, as ``kubectl get -o yaml`` writes
    it); ``source`` names where it came from in errors."""
    import yaml

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{source} is not valid YAML") from exc
    if not isinstance(document, Mapping) or not isinstance(document.get("data"), Mapping):
        raise MappingError(
            f"{source} is not a ConfigMap with data (kubectl get cm aws-auth -o yaml)"
        )
    return parse_aws_auth(document)


#: An aws-auth ConfigMap is at most 1 MiB (the API server's limit); stdin is read up to this.
_STDIN_LIMIT = 16 << 20


def _read_stdin() -> bytes:
    import sys

    stream = sys.stdin
    if stream is None:
        raise MappingError("--aws-auth -: stdin is closed")
    buffer = getattr(stream, "buffer", None)
    data: bytes = (
        buffer.read(_STDIN_LIMIT + 1)
        if buffer is not None
        else stream.read(_STDIN_LIMIT + 1).encode("utf-8", "surrogateescape")
    )
    if len(data) > _STDIN_LIMIT:
        raise MappingError(
            f"stdin holds more than {_STDIN_LIMIT >> 20} MiB; an aws-auth ConfigMap is far smaller"
        )
    return data


def _yaml_list(raw: str | None) -> list[Any]:
    if raw is None:
        return []
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise MappingError("not valid YAML") from None
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError("not a YAML list (each entry starts with '- ')")
    return value


def _entries(raw: str | None, key: str, arn_field: str, warnings: list[str]) -> list[MappingEntry]:
    parsed: list[dict[str, Any]] = []
    for number, item in enumerate(_yaml_list(raw), 1):
        parsed.append(_fields(item, f"{key} entry {number}"))
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


def _fields(item: object, where: str) -> dict[str, Any]:
    """Field names match case-insensitively; a field of the wrong type refuses the map."""
    if not isinstance(item, Mapping):
        raise MappingError(f"{where} is not a mapping (rolearn/userarn, ...)")
    fields: dict[str, Any] = {}
    for name, value in item.items():
        key = str(name).lower()
        if value is not None and not _field_type_ok(key, value):
            wanted = "a list of strings" if key == "groups" else "a string"
            example = " (write groups: [system:masters])" if key == "groups" else ""
            raise MappingError(f"{where}: {name} must be {wanted}{example}")
        fields[key] = value
    return fields


def _field_type_ok(key: str, value: object) -> bool:
    if key in ("rolearn", "userarn", "username"):
        return isinstance(value, str)
    if key == "groups":
        return isinstance(value, list) and all(isinstance(g, str) for g in value)
    return True


def _accounts(raw: str | None) -> list[str]:
    """Account ids as text, each as written: the Go server decodes the list into strings,
    so an unquoted ``- 555555555555`` is the account ``"555555555555"``."""
    if raw is None:
        return []
    import yaml

    try:
        root = yaml.compose(raw, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise MappingError("not valid YAML") from None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise MappingError("not a YAML list of account ids")
    accounts: list[str] = []
    for number, node in enumerate(root.value, 1):
        if not isinstance(node, yaml.ScalarNode):
            raise MappingError(f"mapAccounts entry {number} is not an account id")
        accounts.append(str(node.value))
    return accounts


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
