"""Taking secrets out of text that may have come from outside before it is shown.

The bottom layer: :mod:`eks_token.errors` runs every message through :func:`redact`,
and the places that print text from outside (an endpoint's error, an HTTP body)
use it too. Imports nothing at import time: the start-up path loads it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

__all__ = ["REDACTED", "redact", "remember_secret"]

REDACTED = "REDACTED"
#: Secret values seen in this process (secret keys, session tokens), newest last.
_KNOWN_SECRETS: dict[str, None] = {}
_MAX_KNOWN_SECRETS = 64
#: Shorter values are not worth hiding (and would hide ordinary words).
_MIN_SECRET_LENGTH = 8


def remember_secret(value: str | None) -> None:
    """Have :func:`redact` hide ``value`` (and its URL-encoded form) wherever it appears."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    _KNOWN_SECRETS.pop(value, None)
    _KNOWN_SECRETS[value] = None
    while len(_KNOWN_SECRETS) > _MAX_KNOWN_SECRETS:
        del _KNOWN_SECRETS[next(iter(_KNOWN_SECRETS))]


def redact(text: str) -> str:
    """``text`` without secrets: signatures, session and security tokens, Authorization
    header values, ``k8s-aws-v1.`` tokens, secret-key fields, and every secret value
    :func:`remember_secret` was given (plain or URL-encoded)."""
    if not text:
        return text
    if _KNOWN_SECRETS:
        from urllib.parse import quote

        for secret in list(_KNOWN_SECRETS):
            for form in (secret, quote(secret, safe=""), quote(secret, safe="/")):
                if form in text:
                    text = text.replace(form, REDACTED)
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


_PATTERNS: list[tuple[object, str]] = []


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    import re

    if not _PATTERNS:
        # NAME, a separator as headers, queries, JSON, Python reprs or INI files write
        # it (`: `, `=`, `": "`, `': '`, `': b'` for bytes as botocore's debug log shows
        # headers), then the value up to a quote, space or `&`.
        separator = r"""(["']?\s*[:=]\s*(?:b(?=["']))?["']?)"""
        value = r"""[^\s"'&,;<>}\]]+"""
        names = (
            r"x-amz-security-token|x-amz-signature|security[_-]?token|session[_-]?token"
            r"|secret[_-]?access[_-]?key|aws[_-]secret[_-]access[_-]key|aws[_-]session[_-]token"
        )
        _PATTERNS.extend(
            [
                (re.compile(rf"(authorization){separator}[^\r\n\"']+", re.I), rf"\1\2{REDACTED}"),
                (re.compile(rf"\b({names}){separator}{value}", re.I), rf"\1\2{REDACTED}"),
                (re.compile(r"(signature\s*=\s*)[0-9a-f]+", re.I), rf"\1{REDACTED}"),
                (re.compile(r"k8s-aws-v1\.[A-Za-z0-9_=-]+"), f"k8s-aws-v1.{REDACTED}"),
                # STS's XML (an AssumeRole response body in a debug log)
                (
                    re.compile(r"<(SecretAccessKey|SessionToken|SecurityToken)>[^<]*", re.I),
                    rf"<\1>{REDACTED}",
                ),
            ]
        )
    return _PATTERNS  # type: ignore[return-value]
