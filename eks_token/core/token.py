"""The token value: its text form, its expiry and the ExecCredential it becomes."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone

from eks_token.clock import format_rfc3339
from eks_token.errors import InvalidInputError, TokenValidationError

__all__ = [
    "API_V1",
    "API_V1ALPHA1",
    "API_V1BETA1",
    "TOKEN_LIFETIME",
    "TOKEN_PREFIX",
    "Token",
    "decode_token",
    "encode_token",
    "signing_region",
]

TOKEN_PREFIX = "k8s-aws-v1."
API_V1 = "client.authentication.k8s.io/v1"
API_V1BETA1 = "client.authentication.k8s.io/v1beta1"
API_V1ALPHA1 = "client.authentication.k8s.io/v1alpha1"
KNOWN_API_VERSIONS = (API_V1, API_V1BETA1, API_V1ALPHA1)

#: What clients report: STS accepts a presigned URL for 15 minutes; one is kept as cushion.
TOKEN_LIFETIME = timedelta(minutes=14)


def encode_token(presigned_url: str) -> str:
    """Turn a presigned STS URL into a ``k8s-aws-v1.`` token."""
    encoded = base64.urlsafe_b64encode(presigned_url.encode("utf-8")).rstrip(b"=")
    return TOKEN_PREFIX + encoded.decode("ascii")


def decode_token(token: str) -> str:
    """Return the presigned URL inside a token, checking prefix and encoding strictly."""
    if not token.startswith(TOKEN_PREFIX):
        raise TokenValidationError(f"token does not start with {TOKEN_PREFIX!r}", rule="prefix")
    body = token[len(TOKEN_PREFIX) :]
    if not body or "=" in body or any(c in body for c in "+/"):
        raise TokenValidationError("token body is not unpadded URL-safe base64", rule="base64")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise TokenValidationError(
            "token body is not unpadded URL-safe base64", rule="base64"
        ) from exc


def signing_region(token: str) -> str | None:
    """The region in the token's ``X-Amz-Credential`` scope (the region it was signed
    for); None when the token or its scope does not read. Checks nothing else: to judge
    a token, verify it."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        query = urlsplit(decode_token(token)).query
    except (TokenValidationError, ValueError):
        return None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.lower() == "x-amz-credential":
            scope = value.split("/")
            return scope[2] if len(scope) == 5 and scope[2] else None
    return None


class Token:
    """A signed token and the moment clients should stop using it.

    ``repr()`` never shows the token: it is a bearer credential.
    """

    __slots__ = ("cluster_id", "expiration", "value")

    def __init__(self, value: str, expiration: datetime, cluster_id: str | None = None) -> None:
        if expiration.tzinfo is None:
            raise InvalidInputError("token expiration must be timezone-aware")
        self.value = value
        self.expiration = expiration.astimezone(timezone.utc)
        self.cluster_id = cluster_id

    def __repr__(self) -> str:
        return (
            f"Token(cluster_id={self.cluster_id!r}, "
            f"expiration={format_rfc3339(self.expiration)!r}, value=<{len(self.value)} chars>)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return (self.value, self.expiration, self.cluster_id) == (
            other.value,
            other.expiration,
            other.cluster_id,
        )

    def __hash__(self) -> int:
        return hash((self.value, self.expiration))

    @property
    def expiration_timestamp(self) -> str:
        return format_rfc3339(self.expiration)

    def remaining(self, now: datetime) -> timedelta:
        """Time left before :attr:`expiration`, measured from ``now``."""
        return self.expiration - now

    def expired(self, now: datetime, margin: timedelta = timedelta(0)) -> bool:
        """True when fewer than ``margin`` remain at ``now``."""
        return self.expiration - now <= margin

    def exec_credential(self, api_version: str = API_V1BETA1) -> dict[str, object]:
        """The ExecCredential object kubectl reads from the plugin's stdout."""
        if api_version not in KNOWN_API_VERSIONS:
            raise InvalidInputError(
                f"unknown ExecCredential apiVersion {api_version!r}; "
                f"use one of {', '.join(KNOWN_API_VERSIONS)}",
                option="api_version",
            )
        return {
            "kind": "ExecCredential",
            "apiVersion": api_version,
            "spec": {},
            "status": {
                "expirationTimestamp": self.expiration_timestamp,
                "token": self.value,
            },
        }

    def exec_credential_json(self, api_version: str = API_V1BETA1) -> str:
        """:meth:`exec_credential` as one line of JSON."""
        import json

        return json.dumps(self.exec_credential(api_version), separators=(",", ":"))
