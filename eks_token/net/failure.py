"""One short, secret-free reason for a failed requests call (the URL is never included)."""

from __future__ import annotations

__all__ = ["request_failure_reason"]


def request_failure_reason(exc: Exception) -> str:
    """``timed out``, a TLS reason, ``connection refused or host unknown``, or the type name."""
    import requests

    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return "certificate verify failed"
        return "TLS handshake failed"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or host unknown"
    return type(exc).__name__
