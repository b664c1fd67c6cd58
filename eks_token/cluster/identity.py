"""Who a verified token belongs to, as the cluster's authenticator sees it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from eks_token.cluster.arn import parse_arn
from eks_token.errors import StsError

__all__ = ["Identity", "identity_from_arn", "identity_from_caller"]


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
