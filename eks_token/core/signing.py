"""One token from known credentials and endpoint: pure, no I/O, no botocore."""

from __future__ import annotations

from datetime import datetime, timezone

from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import StsEndpoint
from eks_token.core.inputs import validate_cluster_id
from eks_token.core.sigv4 import presign_get_caller_identity
from eks_token.core.token import TOKEN_LIFETIME, Token, encode_token

__all__ = ["MAX_TOKEN_LENGTH", "sign_token"]

#: The cluster's authenticator rejects longer tokens.
MAX_TOKEN_LENGTH = 4096


def sign_token(
    cluster_id: str, credentials: AwsCredentials, endpoint: StsEndpoint, now: datetime
) -> Token:
    """Presign GetCallerIdentity for ``cluster_id`` at ``now``; no I/O, no botocore."""
    validate_cluster_id(cluster_id)
    signed_at = now.astimezone(timezone.utc).replace(microsecond=0)
    url = presign_get_caller_identity(
        endpoint_url=endpoint.url,
        signing_region=endpoint.signing_region,
        credentials=credentials,
        cluster_id=cluster_id,
        now=signed_at,
    )
    return Token(encode_token(url), signed_at + TOKEN_LIFETIME, cluster_id)
