"""One token from known credentials and endpoint: pure, no I/O, no botocore."""

from __future__ import annotations

from datetime import datetime, timezone

from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import StsEndpoint
from eks_token.core.sigv4 import presign_get_caller_identity
from eks_token.core.token import TOKEN_LIFETIME, Token, encode_token
from eks_token.errors import InvalidInputError

__all__ = ["MAX_TOKEN_LENGTH", "sign_token", "validate_cluster_id"]

#: The cluster's authenticator rejects longer tokens.
MAX_TOKEN_LENGTH = 4096
#: The last moment whose token expiry a datetime can hold.
_LATEST_SIGNING_TIME = datetime.max.replace(tzinfo=timezone.utc) - TOKEN_LIFETIME


def validate_cluster_id(cluster_id: str | None) -> str:
    if cluster_id is None or not cluster_id.strip():
        raise InvalidInputError(
            "the cluster id is empty: pass the EKS cluster name (or, for a local cluster on "
            "Outposts, its id)",
            option="cluster_id",
        )
    if not all("!" <= character <= "~" for character in cluster_id):
        raise InvalidInputError(
            f"the cluster id {cluster_id!r} has spaces, control characters or characters that "
            "are not ASCII",
            option="cluster_id",
        )
    return cluster_id


def sign_token(
    cluster_id: str, credentials: AwsCredentials, endpoint: StsEndpoint, now: datetime
) -> Token:
    """Presign GetCallerIdentity for ``cluster_id`` at ``now``; no I/O, no botocore."""
    validate_cluster_id(cluster_id)
    signed_at = now.astimezone(timezone.utc).replace(microsecond=0)
    if signed_at > _LATEST_SIGNING_TIME:
        raise InvalidInputError(
            f"cannot sign as of {signed_at:%Y-%m-%dT%H:%M:%SZ}: the token's expiry would be "
            "past the year 9999",
            option="now",
        )
    url = presign_get_caller_identity(
        endpoint_url=endpoint.url,
        signing_region=endpoint.signing_region,
        credentials=credentials,
        cluster_id=cluster_id,
        now=signed_at,
    )
    return Token(encode_token(url), signed_at + TOKEN_LIFETIME, cluster_id)
