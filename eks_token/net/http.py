"""HTTP plumbing shared by the cluster side and the transports: the origin a bearer token is
bound to, trusting exactly one cluster's CA, and why a request failed.

The origin is the scheme, host and effective port of the API server. Every HTTP adapter
sends the token only to its server's origin and decides "same origin" with :func:`origin`,
which imports no HTTP library.

Trusting exactly one cluster's CA from ``requests``, without files:
:func:`ca_context` builds an :class:`ssl.SSLContext` from PEM data in memory;
:func:`context_adapter` returns a ``requests`` transport adapter that verifies
with that context only. Mounted for a cluster's URL, it wins over everything
that would otherwise choose the trust store: a call's ``verify``, the session's
``verify``, and ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` (which requests
merges into ``verify`` and would add to the context). requests is imported
only when an adapter is made.

:func:`request_failure_reason` gives one short, secret-free reason for a failed requests
call (the URL is never included).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from eks_token.errors import InvalidInputError

if TYPE_CHECKING:
    from requests.adapters import HTTPAdapter

__all__ = [
    "Origin",
    "ca_context",
    "ca_pem",
    "canonical_origin",
    "canonical_url",
    "context_adapter",
    "origin",
    "request_failure_reason",
    "server_origin",
]


Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def origin(url: str) -> Origin | None:
    """(scheme, host, effective port), all normalised; None for a URL that has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range, an unclosed bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def server_origin(server: str) -> Origin:
    """The origin of the API server URL ``server``; refused when it has none."""
    found = origin(server)
    if found is None:
        raise InvalidInputError(
            f"the API server URL {server!r} is not http(s)://HOST[:PORT]", option="server"
        )
    return found


def canonical_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: lower case, without a default port."""
    found = origin(url)
    if found is None:
        raise InvalidInputError(f"{url!r} is not an http(s) URL", option="server")
    scheme, host, port = found
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if port == _DEFAULT_PORTS[scheme] else f":{port}")


def canonical_url(url: str) -> str:
    """``url`` with its origin written as :func:`canonical_origin` writes it."""
    parts = urlsplit(url)
    rest = parts.path or "/"
    if parts.query:
        rest += "?" + parts.query
    return canonical_origin(url) + rest


_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"


def ca_pem(data: bytes | str, option: str = "certificate_authority_data") -> str:
    """The PEM text of CA certificates given as PEM (bytes or text) or as the base64 of
    PEM that kubeconfigs (``certificate-authority-data``) and EKS DescribeCluster hold;
    anything else (a file path, DER, a truncated certificate) raises, naming what it is.
    The certificates are parsed here, so a bad CA fails now, not at the first request."""
    text = data.decode("ascii", errors="replace") if isinstance(data, bytes) else data
    stripped = text.strip()
    if _PEM_BEGIN not in stripped and stripped:
        import base64
        import binascii

        try:
            decoded = base64.b64decode("".join(stripped.split()), validate=True)
            if _PEM_BEGIN in decoded.decode("ascii"):
                text = stripped = decoded.decode("ascii")
        except (binascii.Error, ValueError):
            pass
    if _PEM_BEGIN not in stripped:
        if isinstance(data, bytes) and data[:1] == b"\x30":
            what = "DER (binary); convert it with 'openssl x509 -inform der'"
        elif stripped.startswith(("/", "~", ".")) or stripped.endswith((".pem", ".crt")):
            what = (
                "a file path; pass the file's contents, or the path as certificate_authority_file="
            )
        elif not stripped:
            what = "empty"
        else:
            what = "neither PEM nor the base64 of PEM"
        raise InvalidInputError(
            f"{option} must be PEM CA certificates ({_PEM_BEGIN} ...) or their base64, as "
            f"in a kubeconfig; what was given is {what}",
            option=option,
        )
    try:
        ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        raise InvalidInputError(
            f"{option} holds PEM that is not valid CA certificates: {exc}", option=option
        ) from exc
    return text


def ca_context(ca_pem_data: bytes | str) -> ssl.SSLContext:
    """A client context that trusts the CA certificates in ``ca_pem_data`` (PEM, or its
    base64 as in a kubeconfig) and nothing else."""
    return ssl.create_default_context(cadata=ca_pem(ca_pem_data))


def context_adapter(context: ssl.SSLContext, server_hostname: str | None = None) -> HTTPAdapter:
    """A ``requests`` adapter whose connections verify with ``context`` only.

    ``server_hostname`` checks the certificate for that name instead of the
    URL's host (kubeconfig's ``tls-server-name``).
    """
    return _adapter_factory()(context, server_hostname)


_FACTORIES: list[Callable[[ssl.SSLContext, str | None], HTTPAdapter]] = []


def _adapter_factory() -> Callable[[ssl.SSLContext, str | None], HTTPAdapter]:
    if _FACTORIES:
        return _FACTORIES[0]
    from requests.adapters import HTTPAdapter

    class ContextAdapter(HTTPAdapter):
        def __init__(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
            self._tls: dict[str, Any] = {"ssl_context": context}
            if server_hostname:
                self._tls["server_hostname"] = server_hostname
            self._cert_reqs = context.verify_mode
            super().__init__()

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **{**kwargs, **self._tls})

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            return super().proxy_manager_for(proxy, **{**proxy_kwargs, **self._tls})

        def build_connection_pool_key_attributes(
            self, request: Any, verify: Any, cert: Any = None
        ) -> Any:
            # verify (True, False or a bundle path such as REQUESTS_CA_BUNDLE) is
            # ignored: a bundle path would be loaded into the context too.
            host, found = super().build_connection_pool_key_attributes(request, True, cert)
            pool: dict[str, Any] = {
                name: value
                for name, value in found.items()
                if name not in ("ca_certs", "ca_cert_dir")
            }
            pool["cert_reqs"] = self._cert_reqs
            pool.update(self._tls)
            return host, pool

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            # Trust stays the context's; only a client certificate comes from the call.
            conn.cert_reqs = self._cert_reqs
            conn.ca_certs = None
            conn.ca_cert_dir = None
            if cert:
                conn.cert_file, conn.key_file = (cert, None) if isinstance(cert, str) else cert

    _FACTORIES.append(ContextAdapter)
    return ContextAdapter


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
