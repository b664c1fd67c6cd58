"""The exception tree: one root, shallow branches, structured fields.

::

    EksTokenError
    +-- InvalidInputError  (also a ValueError)
    |   +-- UsageError
    |   +-- ExecInfoError
    +-- OutputError
    +-- CredentialsError
    |   +-- MfaRequiredError
    |   +-- ProfileNotFoundError
    |   +-- RoleAssumptionError
    +-- TokenValidationError
    +-- ArnError
    +-- MappingError
    |   +-- NotMappedError
    +-- KubeconfigError
    |   +-- ContextEntryError
    +-- CacheError
    +-- ExecPluginError
    +-- ServiceError  (.retryable)
        +-- StsError
        |   +-- StsRejectedError
        |   +-- StsThrottledError
        |   +-- StsUnreachableError
        +-- EksApiError
        +-- ClusterError
            +-- ApiUnreachableError
            +-- ApiTlsError
            +-- ApiUnauthorizedError
            +-- ApiRequestError

Every failure the public API reports is an :class:`EksTokenError`; exceptions
from botocore and requests are wrapped at the boundary where they occur.
A :class:`ServiceError` is a remote service's failure (STS, the EKS API, a
cluster's API server); its ``retryable`` says whether the same request may succeed
when sent again later (throttled, unreachable, a 5xx answer) or not (a refusal).
Messages never carry secrets (keys, session tokens, bearer tokens): every message
goes through :func:`eks_token.redact.redact`, which also serves the places that print text from
outside (HTTP bodies, botocore errors, subprocess output) without raising.
"""

from __future__ import annotations

from eks_token.redact import redact

TYPE_CHECKING = False
if TYPE_CHECKING:
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
    "EksApiError",
    "EksTokenError",
    "ExecInfoError",
    "ExecPluginError",
    "InvalidInputError",
    "KubeconfigError",
    "MappingError",
    "MfaRequiredError",
    "NotMappedError",
    "OutputError",
    "ProfileNotFoundError",
    "RoleAssumptionError",
    "ServiceError",
    "StsError",
    "StsRejectedError",
    "StsThrottledError",
    "StsUnreachableError",
    "TokenValidationError",
    "UsageError",
]

#: AWS error codes that mean "not now" rather than "no" (botocore's standard retry mode
#: retries the same ones): throttling and transient failures.
_RETRY_LATER_CODES = frozenset(
    {
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "LimitExceededException",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)


def retry_later(status: int | None = None, code: str | None = None) -> bool:
    """Whether a service's answer (HTTP ``status``, AWS error ``code``) means the same
    request may succeed when sent again later: 429, a 5xx, or a throttling or transient
    error code. Every :class:`ServiceError`'s ``retryable`` is judged here."""
    if status is not None and (status == 429 or 500 <= status <= 599):
        return True
    return code in _RETRY_LATER_CODES


class EksTokenError(Exception):
    """Root of every error eks-token raises; its message is always :func:`redact`-ed."""

    def __init__(self, message: str) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInputError(EksTokenError, ValueError):
    """An argument is missing, malformed or conflicts with another one (a ``ValueError``
    too, as Python's own functions raise for a bad argument)."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class UsageError(InvalidInputError):
    """The command line itself is wrong: an option is missing, or two options conflict or
    need each other. The CLI exits with status 2 for it (1 for every other error)."""


class ExecInfoError(InvalidInputError):
    """KUBERNETES_EXEC_INFO lacks what the exec entry relies on."""


class OutputError(EksTokenError):
    """Standard output is closed or cannot be written (a closed pipe, a full disk)."""


class CredentialsError(EksTokenError):
    """AWS credentials could not be found or are incomplete."""

    def __init__(self, message: str, *, profile: str | None = None) -> None:
        super().__init__(message)
        self.profile = profile


class MfaRequiredError(CredentialsError):
    """A role profile needs an MFA code and there is no terminal to ask for one on."""

    def __init__(self, message: str, *, profile: str | None, mfa_serial: str | None) -> None:
        super().__init__(message, profile=profile)
        self.mfa_serial = mfa_serial


class ProfileNotFoundError(CredentialsError):
    """The named AWS profile is not in the config or credentials file."""


class RoleAssumptionError(CredentialsError):
    """STS AssumeRole (or the session-name lookup before it) failed: the role's
    credentials could not be had."""

    def __init__(
        self,
        message: str,
        *,
        role_arn: str | None = None,
        code: str | None = None,
        profile: str | None = None,
    ) -> None:
        super().__init__(message, profile=profile)
        self.role_arn = role_arn
        self.code = redact(code) if code else code


class TokenValidationError(EksTokenError):
    """A token breaks one of the static rules the cluster applies."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class ArnError(EksTokenError):
    """An ARN is malformed or of a kind the cluster does not accept."""

    def __init__(self, message: str, *, arn: str) -> None:
        super().__init__(message)
        self.arn = arn


class MappingError(EksTokenError):
    """The aws-auth ConfigMap is unreadable or does not map the identity."""


class NotMappedError(MappingError):
    """The ConfigMap maps neither the identity's ARN nor its account."""


class KubeconfigError(EksTokenError):
    """A kubeconfig cannot be read, understood or written."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ContextEntryError(KubeconfigError):
    """A context's exec entry cannot be signed for in-process.

    ``problem`` is what is wrong and ``fix`` what to change; the message holds both.
    """

    def __init__(self, problem: str, *, path: str, fix: str) -> None:
        super().__init__(f"{problem} ({fix})", path=path)
        self.problem = problem
        self.fix = fix


class CacheError(EksTokenError):
    """The token cache cannot be used; callers fall back to signing."""


class ExecPluginError(EksTokenError):
    """An exec plugin, run as kubectl runs it, failed or printed no usable ExecCredential.

    ``stderr`` is what the plugin wrote there, with secrets already redacted.
    """

    def __init__(self, message: str, *, exit_code: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.stderr = stderr


class ServiceError(EksTokenError):
    """A remote service (STS, the EKS API, a cluster's API server) failed or refused.

    ``retryable`` is True when the same request may succeed sent again later (the
    service throttled it, could not be reached, or answered 429 or a 5xx), False when the
    answer is a refusal that sending again will not change.
    """

    #: Each class's default; an instance judged by its answer (:func:`retry_later`) may be True.
    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        if retryable:
            self.retryable = True


class StsError(ServiceError):
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
        super().__init__(message, retryable=retry_later(status, code))
        self.status = status
        self.code = redact(code) if code else code
        self.server_date = server_date


class StsRejectedError(StsError):
    """STS answered with an error status (bad signature, expired, ...)."""


class StsThrottledError(StsError):
    """STS throttled the request."""

    retryable = True


class StsUnreachableError(StsError):
    """STS could not be reached (DNS, TLS, connection, timeout)."""

    retryable = True


class EksApiError(ServiceError):
    """An EKS API call (access entries, DescribeCluster's access config) failed.

    ``action`` is the IAM action the call needs (``eks:ListAccessEntries``);
    ``code`` is the AWS error code, ``AccessDeniedException`` when that action is not allowed.
    """

    def __init__(
        self, message: str, *, action: str, code: str | None = None, retryable: bool = False
    ) -> None:
        super().__init__(message, retryable=retryable or retry_later(code=code))
        self.action = action
        self.code = code


class ClusterError(ServiceError):
    """An EKS cluster or its API server cannot be used as asked."""

    def __init__(
        self, message: str, *, cluster: str | None = None, retryable: bool = False
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.cluster = cluster


class ApiUnreachableError(ClusterError):
    """The API server could not be reached (DNS, refused connection, timeout)."""

    retryable = True


class ApiTlsError(ClusterError):
    """The API server's certificate does not verify with the kubeconfig's CA."""


class ApiUnauthorizedError(ClusterError):
    """The API server answered 401: it did not accept the token."""


class ApiRequestError(ClusterError):
    """The API server answered an unexpected status."""

    def __init__(self, message: str, *, cluster: str | None = None, status: int) -> None:
        super().__init__(message, cluster=cluster, retryable=retry_later(status))
        self.status = status
