"""Shared values for the token cache tests: a fixed time and servable tokens."""

from __future__ import annotations

from datetime import datetime, timezone

from eks_token.core.token import TOKEN_LIFETIME, Token, encode_token

__all__ = ["NOW", "SECRET", "SESSION_TOKEN", "fake_token_value", "token"]

NOW = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN"


def fake_token_value(signed: datetime = NOW, label: str = "") -> str:
    """A servable ``k8s-aws-v1.`` value signed (in its X-Amz-Date) at ``signed``; not a
    valid signature. ``label`` tells such values apart."""
    date = signed.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    url = f"https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Date={date}"
    return encode_token(url + (f"&Label={label}" if label else ""))


def token(label: str = "", signed: datetime = NOW) -> Token:
    """A token for my-cluster signed at ``signed``."""
    return Token(fake_token_value(signed, label), signed + TOKEN_LIFETIME, "my-cluster")
