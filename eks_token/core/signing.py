"""One token from known credentials and endpoint: pure, no I/O, no botocore."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import StsEndpoint
from eks_token.core.inputs import validate_cluster_id
from eks_token.core.sigv4 import presign_get_caller_identity
from eks_token.core.token import TOKEN_LIFETIME, TOKEN_PREFIX, Token, encode_token
from eks_token.errors import CredentialsError, InvalidInputError
from eks_token.redact import remember_secret

__all__ = ["CREDENTIALS_MARGIN", "MAX_TOKEN_LENGTH", "sign_token", "token_expiration"]

#: The cluster's authenticator rejects longer tokens.
MAX_TOKEN_LENGTH = 4096
#: The last moment whose token expiry a datetime can hold.
_LATEST_SIGNING_TIME = datetime.max.replace(tzinfo=timezone.utc) - TOKEN_LIFETIME

#: A token ends this long before the credentials it is signed with: STS refuses a
#: presigned request once its session has expired, and kubectl asks for a new token
#: only after the old one's expirationTimestamp, so the minute covers clock skew and
#: requests in flight.
CREDENTIALS_MARGIN = timedelta(minutes=1)


def sign_token(
    cluster_id: str, credentials: AwsCredentials, endpoint: StsEndpoint, now: datetime
) -> Token:
    """Presign GetCallerIdentity for ``cluster_id`` at ``now``; no I/O, no botocore.

    The token expires :data:`~eks_token.core.token.TOKEN_LIFETIME` after ``now``, or
    :data:`CREDENTIALS_MARGIN` before ``credentials.expiry`` when that is earlier;
    credentials that leave no lifetime at all are refused.
    """
    validate_cluster_id(cluster_id)
    signed_at = now.astimezone(timezone.utc).replace(microsecond=0)
    if signed_at > _LATEST_SIGNING_TIME:
        raise InvalidInputError(
            f"cannot sign as of {signed_at:%Y-%m-%dT%H:%M:%SZ}: the token's expiry would be "
            "past the year 9999",
            option="now",
        )
    expiration = token_expiration(signed_at, credentials.expiry)
    if expiration <= signed_at:
        assert credentials.expiry is not None
        raise CredentialsError(
            f"the AWS credentials expire at {credentials.expiry:%Y-%m-%dT%H:%M:%SZ}, too soon "
            f"to sign a token at {signed_at:%Y-%m-%dT%H:%M:%SZ} (a token ends "
            f"{int(CREDENTIALS_MARGIN.total_seconds())} s before its credentials); refresh them"
        )
    url = presign_get_caller_identity(
        endpoint_url=endpoint.url,
        signing_region=endpoint.signing_region,
        credentials=credentials,
        cluster_id=cluster_id,
        now=signed_at,
    )
    value = encode_token(url)
    # The token is a bearer secret this process holds: whatever echoes it (with its prefix
    # or without) is redacted, and so are the secrets it was signed with (registered again,
    # so that signing many tokens never makes the registry forget them).
    remember_secret(credentials.secret_access_key)
    remember_secret(credentials.session_token)
    remember_secret(value[len(TOKEN_PREFIX) :])
    return Token(value, expiration, cluster_id)


def token_expiration(signed_at: datetime, credentials_expiry: datetime | None) -> datetime:
    """When a token signed at ``signed_at`` stops being good: the usual lifetime, cut to end
    :data:`CREDENTIALS_MARGIN` before credentials that expire sooner (whole seconds)."""
    usual = signed_at + TOKEN_LIFETIME
    if credentials_expiry is None:
        return usual
    return min(usual, (credentials_expiry - CREDENTIALS_MARGIN).replace(microsecond=0))
