"""EKS tokens for ``requests``: an auth class that refreshes ahead of expiry and after a 401."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests.exceptions import UnrewindableBodyError
from requests.models import PreparedRequest, Response
from requests.utils import rewind_body

from ..provider import TokenProvider
from ._ca_file import ca_bundle_path

__all__ = ["EksTokenAuth", "cluster_session"]

_DEFAULT_PORTS = {"https": 443, "http": 80}


class EksTokenAuth(AuthBase):
    """Sends ``Authorization: Bearer <token>`` from a :class:`~eks_token.provider.TokenProvider`.

    The provider refreshes the token ahead of its expiry. When the server still
    answers 401, the token is refreshed once and the request sent once more, if
    its body can be sent again (none, bytes, text, or a seekable file); otherwise,
    and when the retry gets a 401 too, the 401 reaches the caller.

    ``provider`` may be a cluster id, for a provider with the default identity.
    With ``server`` (the API server URL), the token goes only to that scheme, host
    and port, so a session used for other hosts too does not hand it to them.
    """

    def __init__(self, provider: TokenProvider | str, *, server: str | None = None) -> None:
        self.provider = TokenProvider(provider) if isinstance(provider, str) else provider
        self.server = server
        self._origin = _origin(server) if server is not None else None

    def __repr__(self) -> str:
        return f"EksTokenAuth({self.provider!r}, server={self.server!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EksTokenAuth):
            return NotImplemented
        return self.provider is other.provider

    def __hash__(self) -> int:
        return id(self.provider)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if self._origin is not None and _origin(request.url or "") != self._origin:
            return request
        request.headers["Authorization"] = _bearer(self.provider.token().value)
        request.hooks["response"].append(self._retry_after_401)
        return request

    def _retry_after_401(self, response: Response, **send_options: Any) -> Response:
        if response.status_code != 401:
            return response
        token = self.provider.refresh(rejected=_sent_token(response.request))
        retry = response.request.copy()
        # Only one retry: the retried request's own 401 goes back to the caller.
        retry.hooks["response"] = [
            hook for hook in retry.hooks["response"] if hook != self._retry_after_401
        ]
        if not _rewind(retry):
            return response
        retry.headers["Authorization"] = _bearer(token.value)
        # Read and release the first reply so its connection can carry the retry.
        _ = response.content
        response.close()
        second = response.connection.send(retry, **send_options)
        second.history.append(response)
        second.request = retry
        return second


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _bearer(value: str) -> str:
    return f"Bearer {value}"


def _sent_token(request: PreparedRequest) -> str | None:
    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _rewind(request: PreparedRequest) -> bool:
    """True when the request's body can be sent again (rewinding a file to where it began)."""
    body = request.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    if isinstance(getattr(request, "_body_position", None), int):
        try:
            rewind_body(request)
        except UnrewindableBodyError:
            return False
        return True
    return False


class _ClusterCaAdapter(HTTPAdapter):
    """Verifies the server against the cluster's CA whatever ``verify`` the call carries.

    A session's ``verify`` loses to REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE; this
    adapter, mounted for the cluster's URL only, does not.
    """

    def __init__(self, ca_path: str) -> None:
        super().__init__()
        self.ca_path = ca_path

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        return super().send(
            request, stream=stream, timeout=timeout, verify=self.ca_path, cert=cert, proxies=proxies
        )


def cluster_session(
    provider: TokenProvider | str,
    server: str,
    certificate_authority_data: bytes | None = None,
    *,
    session: requests.Session | None = None,
) -> requests.Session:
    """A ``requests.Session`` (new, or ``session``) that authenticates to an EKS API server.

    The token is sent to ``server`` only. ``certificate_authority_data`` is the
    cluster's CA in PEM (for instance from DescribeCluster or a kubeconfig);
    requests to ``server`` then trust that CA and no other. Without it, the
    session's usual verification applies.
    """
    session = session if session is not None else requests.Session()
    session.auth = EksTokenAuth(provider, server=server)
    if certificate_authority_data is not None:
        adapter = _ClusterCaAdapter(ca_bundle_path(certificate_authority_data))
        session.mount(server.rstrip("/") + "/", adapter)
    return session
