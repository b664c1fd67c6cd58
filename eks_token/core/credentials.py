"""A plain, immutable set of AWS credentials that never prints its secrets."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol

from eks_token.errors import CredentialsError, InvalidInputError
from eks_token.redact import remember_secret

__all__ = ["AwsCredentials", "FrozenCredentialSource", "expiry_of", "malformed_field"]


class _FrozenLike(Protocol):
    access_key: str
    secret_key: str
    token: str | None


class FrozenCredentialSource(Protocol):
    """Anything that hands out current credentials, as botocore's credential objects do."""

    def get_frozen_credentials(self) -> _FrozenLike: ...


class AwsCredentials:
    """An access key id, its secret, an optional session token and, for temporary
    credentials that say so, the moment they expire (``expiry``, aware UTC).

    Equality compares the keys and token only: the same credentials are the same
    identity whatever their source says about their end.
    """

    __slots__ = ("access_key_id", "expiry", "secret_access_key", "session_token")

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        *,
        expiry: datetime | None = None,
    ) -> None:
        if not access_key_id or not secret_access_key:
            raise CredentialsError(
                "partial credentials: both an access key id and a secret access key are needed"
            )
        wrong = malformed_field(access_key_id, secret_access_key, session_token)
        if wrong == "access_key_id":
            raise CredentialsError(
                f"the access key id {access_key_id!r} is not letters and digits "
                "(such as AKIAIOSFODNN7EXAMPLE); check AWS_ACCESS_KEY_ID or the credentials file"
            )
        # Never shown: only which value is wrong.
        if wrong == "secret_access_key":
            raise CredentialsError(
                "the secret access key has spaces, control characters or characters that are "
                "not ASCII; check AWS_SECRET_ACCESS_KEY or the credentials file"
            )
        if wrong == "session_token":
            raise CredentialsError(
                "the session token has spaces, control characters or characters that are not "
                "ASCII; check AWS_SESSION_TOKEN or the credentials file"
            )
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token or None
        if expiry is not None and expiry.tzinfo is None:
            raise InvalidInputError("a credentials expiry must be timezone-aware", option="expiry")
        self.expiry = expiry.astimezone(timezone.utc) if expiry is not None else None
        # Whatever echoes them back (an endpoint's error, a log) is redacted.
        remember_secret(secret_access_key)
        remember_secret(self.session_token)

    @classmethod
    def from_botocore(cls, source: FrozenCredentialSource) -> AwsCredentials:
        """Freeze a botocore credentials object (refreshing it first if it needs to), with
        the expiry botocore keeps for refreshable credentials."""
        for _ in range(3):
            frozen = source.get_frozen_credentials()
            expiry = expiry_of(source)
            # botocore publishes new credentials and their expiry one after the other;
            # read again if another thread refreshed in between.
            if getattr(source, "_frozen_credentials", frozen) is frozen:
                break
        return cls(frozen.access_key, frozen.secret_key, frozen.token, expiry=expiry)

    def __repr__(self) -> str:
        kind = "temporary" if self.session_token else "long-term"
        ends = f", expires {self.expiry:%Y-%m-%dT%H:%M:%SZ}" if self.expiry else ""
        return f"AwsCredentials(access_key_id={self.access_key_id!r}, {kind}{ends})"

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


def expiry_of(source: object) -> datetime | None:
    """When a botocore credentials object's current credentials expire, or None.

    botocore's refreshable credentials keep this in ``_expiry_time`` (it has no public
    accessor); static credentials have none.
    """
    expiry = getattr(source, "_expiry_time", None)
    if not isinstance(expiry, datetime) or expiry.tzinfo is None:
        return None
    return expiry.astimezone(timezone.utc)


def malformed_field(
    access_key_id: str, secret_access_key: str, session_token: str | None
) -> str | None:
    """The first of ``access_key_id``, ``secret_access_key`` and ``session_token`` (by that
    name) that no AWS credential could hold, or None: an access key id is up to 128 ASCII
    letters and digits; a secret and a session token are printable ASCII without spaces."""
    if not (access_key_id.isascii() and access_key_id.isalnum() and len(access_key_id) <= 128):
        return "access_key_id"
    if not _printable_ascii(secret_access_key):
        return "secret_access_key"
    if session_token and not _printable_ascii(session_token):
        return "session_token"
    return None


def _printable_ascii(text: str) -> bool:
    """True when every character is printable ASCII other than a space."""
    return all("!" <= character <= "~" for character in text)
