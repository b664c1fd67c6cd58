"""Shared values for the token cache tests: a fixed time and servable tokens."""

from __future__ import annotations

from datetime import datetime, timezone

from eks_token.core.token import TOKEN_LIFETIME, Token

__all__ = ["NOW", "SECRET", "SESSION_TOKEN", "token"]

NOW = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN"


def token(value: str = "k8s-aws-v1.aHR0cHM6Ly9zdHM", signed: datetime = NOW) -> Token:
    """A token for my-cluster signed at ``signed``."""
    return Token(value, signed + TOKEN_LIFETIME, "my-cluster")
