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
    "unwrap_token",
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
        raise TokenValidationError(
            f"token does not start with {TOKEN_PREFIX!r}{_what_it_is(token)}", rule="prefix"
        )
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


def unwrap_token(text: str) -> str:
    """The token in what people paste: the token itself, ``Bearer <token>`` (an
    Authorization header's value, with or without ``Authorization:``) or a whole
    ExecCredential (JSON, as the exec plugin prints it). Anything else is returned
    stripped, for the token rules to judge."""
    token = text.strip()
    head, colon, rest = token.partition(":")
    if colon and head.strip().lower() == "authorization":
        token = rest.strip()
    scheme, _, credential = token.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    if token.startswith("{"):
        import json

        try:
            document = json.loads(token)
        except ValueError:
            raise InvalidInputError(
                "what was given starts with '{' but is not JSON; give the token "
                f"({TOKEN_PREFIX}...) or the whole ExecCredential",
                option="token",
            ) from None
        status = document.get("status") if isinstance(document, dict) else None
        inner = status.get("token") if isinstance(status, dict) else None
        if not isinstance(inner, str):
            kind = document.get("kind") if isinstance(document, dict) else None
            what = f"a {kind} object" if isinstance(kind, str) else "JSON"
            raise InvalidInputError(
                f"what was given is {what} without status.token; give the token "
                f"({TOKEN_PREFIX}...) or the ExecCredential the exec plugin prints",
                option="token",
            )
        return inner.strip()
    return token


def _what_it_is(text: str) -> str:
    """For a text that is not an EKS token: what it looks like, if that can be told."""
    parts = text.split(".")
    if len(parts) == 3 and parts[0].startswith("eyJ"):
        return (
            " (this is a JSON Web Token, such as a Kubernetes service-account or OIDC token, "
            "not an EKS IAM token)"
        )
    if text.lower().startswith(("https://sts", "http://sts")):
        return (
            f" (this is a presigned STS URL; a token is {TOKEN_PREFIX} and the URL in "
            "unpadded base64url)"
        )
    if text.lower().startswith(TOKEN_PREFIX.lower()):
        return f" (the prefix is lower case: {TOKEN_PREFIX})"
    return (
        " (an EKS IAM token does: give the whole token, as 'eks-token token --token-only' "
        "prints it)"
    )


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
