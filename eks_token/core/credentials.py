"""A plain, immutable set of AWS credentials that never prints its secrets."""

from __future__ import annotations

from typing import Protocol

from eks_token.errors import CredentialsError
from eks_token.redact import remember_secret

__all__ = ["AwsCredentials", "FrozenCredentialSource"]


class _FrozenLike(Protocol):
    access_key: str
    secret_key: str
    token: str | None


class FrozenCredentialSource(Protocol):
    """Anything that hands out current credentials, as botocore's credential objects do."""

    def get_frozen_credentials(self) -> _FrozenLike: ...


class AwsCredentials:
    """An access key id, its secret and an optional session token."""

    __slots__ = ("access_key_id", "secret_access_key", "session_token")

    def __init__(
        self, access_key_id: str, secret_access_key: str, session_token: str | None = None
    ) -> None:
        if not access_key_id or not secret_access_key:
            raise CredentialsError(
                "partial credentials: both an access key id and a secret access key are needed"
            )
        if not (access_key_id.isascii() and access_key_id.isalnum() and len(access_key_id) <= 128):
            raise CredentialsError(
                f"the access key id {access_key_id!r} is not letters and digits "
                "(such as AKIAIOSFODNN7EXAMPLE); check AWS_ACCESS_KEY_ID or the credentials file"
            )
        # Never shown: only which value is wrong.
        if not _printable_ascii(secret_access_key):
            raise CredentialsError(
                "the secret access key has spaces, control characters or characters that are "
                "not ASCII; check AWS_SECRET_ACCESS_KEY or the credentials file"
            )
        if session_token and not _printable_ascii(session_token):
            raise CredentialsError(
                "the session token has spaces, control characters or characters that are not "
                "ASCII; check AWS_SESSION_TOKEN or the credentials file"
            )
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token or None
        # Whatever echoes them back (an endpoint's error, a log) is redacted.
        remember_secret(secret_access_key)
        remember_secret(self.session_token)

    @classmethod
    def from_botocore(cls, source: FrozenCredentialSource) -> AwsCredentials:
        """Freeze a botocore credentials object (refreshing it first if it needs to)."""
        frozen = source.get_frozen_credentials()
        return cls(frozen.access_key, frozen.secret_key, frozen.token)

    def __repr__(self) -> str:
        kind = "temporary" if self.session_token else "long-term"
        return f"AwsCredentials(access_key_id={self.access_key_id!r}, {kind})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AwsCredentials):
            return NotImplemented
        return (self.access_key_id, self.secret_access_key, self.session_token) == (
            other.access_key_id,
            other.secret_access_key,
            other.session_token,
        )

    def __hash__(self) -> int:
        return hash(self.access_key_id)


def _printable_ascii(text: str) -> bool:
    """True when every character is printable ASCII other than a space."""
    return all("!" <= character <= "~" for character in text)
