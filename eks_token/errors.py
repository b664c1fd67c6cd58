"""The exception tree: one root, shallow branches, structured fields.

Every failure the public API reports is an :class:`EksTokenError`; exceptions
from botocore and requests are wrapped at the boundary where they occur.
Messages never carry secrets (keys, session tokens, bearer tokens): every message
goes through :func:`redact`, which also serves the places that print text from
outside (HTTP bodies, botocore errors, subprocess output) without raising.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from datetime import datetime

__all__ = [
    "ApiRequestError",
    "ApiTlsError",
    "ApiUnauthorizedError",
    "ApiUnreachableError",
    "ArnError",
    "CacheError",
    "ClusterError",
    "ContextEntryError",
    "CredentialsError",
    "EksTokenError",
    "ExecInfoError",
    "InvalidInputError",
    "KubeconfigError",
    "MappingError",
    "NotMappedError",
    "ProfileNotFoundError",
    "RoleAssumptionError",
    "StsError",
    "StsRejectedError",
    "StsThrottledError",
    "StsUnreachableError",
    "TokenValidationError",
    "redact",
    "remember_secret",
]

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
        # it (`: `, `=`, `": "`, `': '`), then the value up to a quote, space or `&`.
        separator = r"""(["']?\s*[:=]\s*["']?)"""
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
            ]
        )
    return _PATTERNS  # type: ignore[return-value]


class EksTokenError(Exception):
    """Root of every error eks-token raises; its message is always :func:`redact`-ed."""

    def __init__(self, message: str) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInputError(EksTokenError):
    """An argument is missing, malformed or conflicts with another one."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class ExecInfoError(InvalidInputError):
    """KUBERNETES_EXEC_INFO lacks what the exec entry relies on."""


class CredentialsError(EksTokenError):
    """AWS credentials could not be found or are incomplete."""

    def __init__(self, message: str, *, profile: str | None = None) -> None:
        super().__init__(message)
        self.profile = profile


class ProfileNotFoundError(CredentialsError):
    """The named AWS profile is not in the config or credentials file."""


class RoleAssumptionError(EksTokenError):
    """STS AssumeRole (or the session-name lookup before it) failed."""

    def __init__(self, message: str, *, role_arn: str | None = None, code: str | None = None):
        super().__init__(message)
        self.role_arn = role_arn
        self.code = code


class TokenValidationError(EksTokenError):
    """A token breaks one of the static rules the cluster applies."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class StsError(EksTokenError):
    """STS GetCallerIdentity did not confirm the token.

    ``server_date`` is STS's clock (its ``Date`` header) when it answered at all.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        server_date: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.server_date = server_date


class StsRejectedError(StsError):
    """STS answered with an error status (bad signature, expired, ...)."""


class StsThrottledError(StsError):
    """STS throttled the request."""


class StsUnreachableError(StsError):
    """STS could not be reached (DNS, TLS, connection, timeout)."""


class ArnError(EksTokenError):
    """An ARN is malformed or of a kind the cluster does not accept."""

    def __init__(self, message: str, *, arn: str) -> None:
        super().__init__(message)
        self.arn = arn


class MappingError(EksTokenError):
    """The aws-auth ConfigMap is unreadable or does not map the identity."""


class KubeconfigError(EksTokenError):
    """A kubeconfig cannot be read, understood or written."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ClusterError(EksTokenError):
    """An EKS cluster or its API server cannot be used as asked."""

    def __init__(self, message: str, *, cluster: str | None = None) -> None:
        super().__init__(message)
        self.cluster = cluster


class CacheError(EksTokenError):
    """The token cache cannot be used; callers fall back to signing."""


class ApiUnreachableError(ClusterError):
    """The API server could not be reached (DNS, refused connection, timeout)."""


class ApiTlsError(ClusterError):
    """The API server's certificate does not verify with the kubeconfig's CA."""


class ApiUnauthorizedError(ClusterError):
    """The API server answered 401: it did not accept the token."""


class ApiRequestError(ClusterError):
    """The API server answered an unexpected status."""

    def __init__(self, message: str, *, cluster: str | None = None, status: int) -> None:
        super().__init__(message, cluster=cluster)
        self.status = status


class NotMappedError(MappingError):
    """The ConfigMap maps neither the identity's ARN nor its account."""


class ContextEntryError(KubeconfigError):
    """A context's exec entry cannot be signed for in-process.

    ``problem`` is what is wrong and ``fix`` what to change; the message holds both.
    """

    def __init__(self, problem: str, *, path: str, fix: str) -> None:
        super().__init__(f"{problem} ({fix})", path=path)
        self.problem = problem
        self.fix = fix
