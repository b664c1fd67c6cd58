"""An AWS call that failed, as our error: the service's error answer by its code, or the
network that kept the call from being answered (proxy, TLS, timeouts)."""

from __future__ import annotations

import re
from typing import Any

from eks_token.errors import CredentialsError, EksTokenError, RoleAssumptionError

__all__ = [
    "EXPIRED_CODES",
    "REJECTED_CODES",
    "THROTTLING_CODES",
    "client_failure",
    "network_failure",
    "unanswered",
]

THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
REJECTED_CODES = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"}
)


def client_failure(
    exc: Any, *, action: str, role_arn: str | None, caller: str, profile: str | None
) -> EksTokenError:
    """An AWS service's error answer, by its code."""
    error = exc.response.get("Error", {}) if hasattr(exc, "response") else {}
    code = str(error.get("Code") or "Unknown")
    detail = " ".join(str(error.get("Message") or "").split())
    said = f"{code}: {detail}" if detail else code
    target = f"{action} of {role_arn}" if role_arn else action
    if code in THROTTLING_CODES:
        message = f"STS throttled {target} ({said}); wait a moment and run again"
    elif code == "AccessDenied" and "MultiFactorAuthentication" in detail:
        message = (
            f"STS rejected the MFA code for {target} ({said}); run again and enter the "
            "current code from the MFA device of the profile's mfa_serial"
        )
    elif code == "AccessDenied":
        message = (
            f"{target} was denied for {caller} ({said}); the role's trust policy must allow "
            "this caller, and the caller needs sts:AssumeRole on it"
        )
    elif code in EXPIRED_CODES:
        message = f"{target} failed: {caller} have expired ({said}); refresh them"
    elif code in REJECTED_CODES:
        message = f"{target} failed: STS does not accept {caller} ({said}); check or renew them"
    else:
        message = f"{target} failed: {said}"
    if role_arn is not None or action.startswith("AssumeRole"):
        return RoleAssumptionError(message, role_arn=role_arn, code=code)
    return CredentialsError(message, profile=profile)


def unanswered(exc: BaseException) -> bool:
    """Whether a botocore failure kept the call from being answered in a way the next try
    may not meet: no connection, a timeout, a connection closed mid-answer (a certificate
    that does not verify will not verify next time)."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.SSLError):
        return False
    return isinstance(exc, (bx.ConnectionError, bx.HTTPClientError))


def network_failure(exc: Any, purpose: str, profile: str | None) -> CredentialsError:
    """A call to AWS that never got an answer: which endpoint, and why (the URL's
    credentials and query are not shown)."""
    from botocore import exceptions as bx

    kwargs = getattr(exc, "kwargs", {})
    endpoint = str(kwargs.get("endpoint_url") or kwargs.get("proxy_url") or "the AWS endpoint")
    endpoint = re.sub(r"//[^/@]*@", "//", endpoint).split("?")[0]
    if isinstance(exc, bx.ProxyConnectionError):
        reason = "the proxy could not be reached"
    elif isinstance(exc, bx.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return CredentialsError(
            f"{purpose} needs {endpoint}, whose TLS certificate did not verify: trust its CA "
            "with AWS_CA_BUNDLE, ca_bundle in the profile or --ca-bundle (a proxy that "
            "inspects TLS needs its own CA there)",
            profile=profile,
        )
    elif isinstance(exc, bx.SSLError):
        reason = "the TLS handshake failed"
    elif isinstance(exc, bx.ConnectTimeoutError):
        reason = "connecting timed out"
    elif isinstance(exc, bx.ReadTimeoutError):
        reason = "the answer timed out"
    else:
        reason = "could not connect"
    return CredentialsError(
        f"network problem, not a configuration one: {purpose} needs {endpoint} and {reason}; "
        "check the network, proxy and VPN (or AWS_ENDPOINT_URL_STS / endpoint_url if set)",
        profile=profile,
    )
