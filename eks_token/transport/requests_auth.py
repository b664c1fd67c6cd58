"""EKS tokens for ``requests``: an auth class that refreshes ahead of expiry and after a 401."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import BaseAdapter
from requests.auth import AuthBase
from requests.exceptions import UnrewindableBodyError
from requests.models import PreparedRequest, Response
from requests.utils import rewind_body

from eks_token.inprocess.provider import TokenProvider
from eks_token.net.http import (
    ca_context,
    canonical_origin,
    canonical_url,
    context_adapter,
    origin,
    server_origin,
)

__all__ = ["EksTokenAuth", "cluster_session"]


class EksTokenAuth(AuthBase):
    """Sends ``Authorization: Bearer <token>`` from a
    :class:`~eks_token.inprocess.provider.TokenProvider`.

    The provider refreshes the token ahead of its expiry. When the server still
    answers 401, the token is refreshed once and the request sent once more, if
    its body can be sent again (none, bytes, text, or a seekable file); otherwise,
    and when the retry gets a 401 too, the 401 reaches the caller.

    ``provider`` may be a cluster id, for a provider with the default identity.
    With ``server`` (the API server URL), the token goes only to that scheme, host
    and port, so a session used for other hosts too does not hand it to them, and
    a redirect elsewhere is followed without it. Only a 401 to a request that
    carried this auth's token, to that origin, is retried.
    """

    def __init__(self, provider: TokenProvider | str, *, server: str | None = None) -> None:
        self.provider = TokenProvider(provider) if isinstance(provider, str) else provider
        self.server = server
        self._origin = server_origin(server) if server is not None else None
        #: Set by cluster_session: the session and the adapter that trusts the cluster's CA.
        #: The token then goes only into requests that adapter carries.
        self._pinned: tuple[requests.Session, BaseAdapter] | None = None

    def __repr__(self) -> str:
        return f"EksTokenAuth({self.provider!r}, server={self.server!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EksTokenAuth):
            return NotImplemented
        return self.provider is other.provider

    def __hash__(self) -> int:
        return id(self.provider)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if not self._to_server(request.url):
            return request
        if self._pinned is not None:
            # The server's origin however spelled (HTTPS://HOST:0443/ is https://host/):
            # written as the pinned adapter is mounted, so requests picks that adapter.
            request.url = canonical_url(request.url or "")
            if not self._through_pinned(request.url):
                return request
        value = self.provider.token().value
        request.headers["Authorization"] = _bearer(value)
        # requests copies hooks onto redirected requests; the hook checks what it sees.
        request.hooks["response"].append(_ResponseHook(self, value))
        return request

    def _to_server(self, url: str | None) -> bool:
        return self._origin is None or origin(url or "") == self._origin

    def _through_pinned(self, url: str) -> bool:
        """True when ``url`` would be sent by the pinned adapter (or nothing is pinned)."""
        if self._pinned is None:
            return True
        session, adapter = self._pinned
        try:
            return session.get_adapter(url) is adapter
        except requests.exceptions.InvalidSchema:
            return False

    def _on_response(self, response: Response, sent: str, **send_options: Any) -> Response:
        request = response.request
        if _sent_token(request) != sent or not self._to_server(request.url):
            # Not a request this auth signed (a redirect elsewhere, another auth's).
            return response
        if response.is_redirect:
            self._keep_token_at_server(response, request)
            return response
        if response.status_code != 401:
            return response
        token = self.provider.refresh(rejected=sent)
        retry = request.copy()
        # Only one retry: the retried request's own 401 goes back to the caller.
        retry.hooks["response"] = [
            hook for hook in retry.hooks["response"] if not _is_hook_of(hook, self)
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
        if second.is_redirect:
            # requests follows the retry's redirect by copying the first request.
            self._keep_token_at_server(second, request)
        return second

    def _keep_token_at_server(self, response: Response, followed: PreparedRequest) -> None:
        """Drop the token from ``followed`` (which requests copies to follow ``response``'s
        redirect) when the redirect leaves the server's origin.

        requests drops it itself for another host, but not for http to https on the
        default ports; without ``server`` that is left to requests.
        """
        if self._origin is None:
            return
        target = urljoin(response.url or "", response.headers.get("location", ""))
        # requests follows the Location as written (no re-spelling), so a same-origin
        # redirect spelled otherwise would leave the pinned adapter: no token then.
        if origin(target) != self._origin or not self._through_pinned(target):
            followed.headers.pop("Authorization", None)


class _ResponseHook:
    """The response hook of one signed request: knows which token value it carried."""

    __slots__ = ("auth", "sent")

    def __init__(self, auth: EksTokenAuth, sent: str) -> None:
        self.auth = auth
        self.sent = sent

    def __repr__(self) -> str:
        return f"_ResponseHook({self.auth!r})"

    def __call__(self, response: Response, **send_options: Any) -> Response:
        return self.auth._on_response(response, self.sent, **send_options)


def _is_hook_of(hook: object, auth: EksTokenAuth) -> bool:
    return isinstance(hook, _ResponseHook) and hook.auth is auth


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


def cluster_session(
    provider: TokenProvider | str,
    server: str,
    certificate_authority_data: bytes | str | None = None,
    *,
    session: requests.Session | None = None,
) -> requests.Session:
    """A ``requests.Session`` (new, or ``session``) that authenticates to an EKS API server.

    The token is sent to ``server`` only. ``certificate_authority_data`` is the
    cluster's CA in PEM, or its base64 as DescribeCluster and kubeconfigs hold it (anything
    else raises :class:`~eks_token.errors.InvalidInputError` here);
    requests to ``server``'s origin (scheme, host and port, however spelled) then
    trust that CA and no other, and the token goes only into requests that adapter
    sends: never through requests' default adapter, which trusts the system store
    or ``REQUESTS_CA_BUNDLE`` (a redirect to another spelling of the origin is
    followed without it). Without it, the session's usual verification applies.
    """
    auth = EksTokenAuth(provider, server=server)
    session = session if session is not None else requests.Session()
    session.auth = auth
    if certificate_authority_data is not None:
        adapter = context_adapter(ca_context(certificate_authority_data))
        # The whole origin, written as requests writes prepared URLs (lower case, no
        # default port); the auth re-spells other spellings of it to match.
        session.mount(canonical_origin(server) + "/", adapter)
        auth._pinned = (session, adapter)
    return session
