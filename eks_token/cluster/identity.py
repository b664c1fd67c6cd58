"""Who a verified token belongs to, as the cluster's authenticator sees it, and the principal
ARNs it is known by.

IAM and STS principal ARNs: parsing and the canonical form the cluster maps.
An assumed-role session ARN (``arn:aws:sts::ACCT:assumed-role/NAME/SESSION``)
canonicalizes to its role (``arn:aws:iam::ACCT:role/NAME``). Session ARNs carry
no role path, so a mapping written with a path can never match one.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from eks_token.core.endpoints import PARTITIONS
from eks_token.errors import ArnError, StsError

__all__ = [
    "KNOWN_PARTITIONS",
    "Identity",
    "PrincipalArn",
    "canonicalize_arn",
    "identity_from_arn",
    "identity_from_caller",
    "parse_arn",
]


@dataclass(frozen=True)
class Identity:
    """The result of a successful verification.

    ``user_id`` is STS's ``UserId`` without the session part; ``session_name``
    is set for every identity except IAM users, the root user and federated users,
    whose ``UserId`` is kept whole.
    """

    arn: str
    canonical_arn: str
    account_id: str
    user_id: str
    session_name: str | None
    access_key_id: str
    sts_host: str

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


#: Identities whose ``UserId`` is kept whole (a federated user's is ``<account>:<name>``).
_WHOLE_USER_ID = ("user", "root", "federated-user")


def identity_from_caller(
    *, arn: str, account_id: str, user_id: str, access_key_id: str, sts_host: str
) -> Identity:
    """Build the identity from GetCallerIdentity's ``Arn``, ``Account`` and ``UserId``."""
    principal = parse_arn(arn)
    session_name: str | None = None
    if principal.kind not in _WHOLE_USER_ID:
        # Every other identity (assumed roles, and role ARNs should STS ever answer one)
        # is ``<unique id>:<session>``, exactly one colon, as the cluster splits it.
        unique_id, *sessions = user_id.split(":")
        if len(sessions) != 1 or not unique_id or not sessions[0]:
            raise StsError(
                f"STS answered a malformed UserId for {arn}: expected ID:SESSION",
                status=200,
                code="MalformedResponse",
            )
        user_id, session_name = unique_id, sessions[0]
    elif not user_id:
        raise StsError(f"STS answered no UserId for {arn}", status=200, code="MalformedResponse")
    if account_id != principal.account_id:
        raise StsError(
            f"STS answered account {account_id!r} for an ARN in account {principal.account_id}",
            status=200,
            code="MalformedResponse",
        )
    return Identity(
        arn=arn,
        canonical_arn=principal.canonical,
        account_id=account_id,
        user_id=user_id,
        session_name=session_name,
        access_key_id=access_key_id,
        sts_host=sts_host,
    )


def identity_from_arn(
    arn: str, *, session_name: str | None = None, access_key_id: str = ""
) -> Identity:
    """The identity an ARN names, without asking STS (``eks-token map --arn``).

    A session ARN gives its session name; ``session_name`` names the session of a
    role ARN (and replaces a session ARN's). There is no ``UserId`` or STS host.
    Raises :class:`~eks_token.errors.ArnError` for an ARN that is not an IAM or
    STS principal.
    """
    principal = parse_arn(arn)
    return Identity(
        arn=arn,
        canonical_arn=principal.canonical,
        account_id=principal.account_id,
        user_id="",
        session_name=session_name or principal.session_name,
        access_key_id=access_key_id,
        sts_host="",
    )


KNOWN_PARTITIONS = frozenset(partition.name for partition in PARTITIONS)
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class PrincipalArn:
    """A principal ARN split into its fields.

    ``kind`` is ``user``, ``role`` or ``root`` (service iam), or ``assumed-role``
    or ``federated-user`` (service sts). ``name`` keeps any path
    (``team/alice``); ``session_name`` is set for assumed roles only.
    """

    arn: str
    partition: str
    service: str
    account_id: str
    kind: str
    name: str
    session_name: str | None = None

    @property
    def canonical(self) -> str:
        """The ARN the cluster matches mappings against."""
        if self.kind == "assumed-role":
            return f"arn:{self.partition}:iam::{self.account_id}:role/{self.name}"
        return self.arn

    @property
    def has_path(self) -> bool:
        """True for an IAM user or role whose name includes a path."""
        return self.kind in ("user", "role") and "/" in self.name


def parse_arn(arn: str) -> PrincipalArn:
    """Split a principal ARN; anything that is not an IAM or STS principal is an ArnError."""
    if not isinstance(arn, str) or not arn:
        raise ArnError("the ARN is empty", arn=str(arn))
    fields = arn.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn":
        raise ArnError(
            f"{arn!r} is not an ARN (expected arn:PARTITION:SERVICE::ACCOUNT:RESOURCE)", arn=arn
        )
    _, partition, service, region, account_id, resource = fields
    if partition not in KNOWN_PARTITIONS:
        known = ", ".join(sorted(KNOWN_PARTITIONS))
        raise ArnError(f"{arn!r} names an unknown partition {partition!r} ({known})", arn=arn)
    if region:
        raise ArnError(f"{arn!r} has a region; IAM and STS principal ARNs have none", arn=arn)
    if not _ACCOUNT_ID.match(account_id):
        raise ArnError(f"{arn!r}: the account id must be 12 digits", arn=arn)
    kind, _, rest = resource.partition("/")
    if service == "iam":
        return _iam_principal(arn, partition, account_id, kind, rest)
    if service == "sts":
        return _sts_principal(arn, partition, account_id, kind, rest)
    raise ArnError(f"{arn!r}: service {service!r} is not an identity service (iam or sts)", arn=arn)


def canonicalize_arn(arn: str) -> str:
    """The canonical ARN of a principal: assumed-role sessions become their role."""
    return parse_arn(arn).canonical


def _iam_principal(arn: str, partition: str, account: str, kind: str, rest: str) -> PrincipalArn:
    if kind == "root" and not rest:
        return PrincipalArn(arn, partition, "iam", account, "root", "root")
    if kind in ("user", "role") and _path_and_name_ok(rest):
        return PrincipalArn(arn, partition, "iam", account, kind, rest)
    raise ArnError(
        f"{arn!r}: an iam principal is user/NAME, role/NAME (with an optional path) or root",
        arn=arn,
    )


def _sts_principal(arn: str, partition: str, account: str, kind: str, rest: str) -> PrincipalArn:
    if kind == "federated-user" and rest and "/" not in rest:
        return PrincipalArn(arn, partition, "sts", account, kind, rest)
    if kind == "assumed-role":
        role, sep, session = rest.rpartition("/")
        if sep and role and session and _path_and_name_ok(role):
            return PrincipalArn(arn, partition, "sts", account, kind, role, session)
        raise ArnError(f"{arn!r}: an assumed-role ARN is assumed-role/ROLE/SESSION", arn=arn)
    raise ArnError(
        f"{arn!r}: an sts principal is assumed-role/ROLE/SESSION or federated-user/NAME",
        arn=arn,
    )


def _path_and_name_ok(value: str) -> bool:
    return bool(value) and all(value.split("/"))
