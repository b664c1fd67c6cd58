"""EKS tokens for httpx: one ``httpx.Auth`` for ``Client`` and ``AsyncClient``, and clients
for a cluster that trust its CA alone.

Needs the ``httpx`` extra: ``pip install 'eks-iam-token[httpx]'``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import timedelta
from typing import Any

import httpx

from eks_token.aio.provider import AsyncTokenProvider
from eks_token.clock import Clock, utc_now
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from eks_token.net.http import ca_context, origin, server_origin
from eks_token.transport.cluster_access import ClusterAccess, cluster_access

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl

    from eks_token.cache.interface import TokenCache

__all__ = [
    "HttpxTokenAuth",
    "cluster_async_client",
    "cluster_client",
    "httpx_client_options",
]


class HttpxTokenAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>``, refreshed ahead of expiry and after a 401.

    ``provider`` is a :class:`~eks_token.inprocess.provider.TokenProvider` (or a cluster id
    for one with the default identity) or an
    :class:`~eks_token.aio.provider.AsyncTokenProvider`; either way the two share one token:
    ``httpx.Client`` gets it from the ``TokenProvider`` (which may block the calling thread
    while it signs), ``httpx.AsyncClient`` from the ``AsyncTokenProvider`` (which never
    blocks the event loop). Neither flow holds a lock while the request is out.

    A 401 to a request that carried this auth's token makes it refresh the token once
    (however many requests got the 401, one signing) and send the request once more, if
    its body can be sent again (none, or bytes in memory); a streaming body cannot, and
    the 401 is returned. A 403 is an authorization answer, not a stale token: it is
    returned as it is. With ``server`` (the API server URL), the token goes only to that
    scheme, host and port.
    """

    def __init__(
        self,
        provider: TokenProvider | AsyncTokenProvider | str,
        *,
        server: str | None = None,
    ) -> None:
        if isinstance(provider, str):
            provider = TokenProvider(provider)
        if isinstance(provider, AsyncTokenProvider):
            self.async_provider = provider
            self.provider = provider.sync_provider
        else:
            self.provider = provider
            self.async_provider = AsyncTokenProvider.sharing(provider)
        self.server = server
        self._origin = server_origin(server) if server is not None else None

    def __repr__(self) -> str:
        return f"HttpxTokenAuth({self.provider!r}, server={self.server!r})"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._to_server(request.url):
            yield request
            return
        sent = self.provider.token().value
        request.headers["Authorization"] = _bearer(sent)
        response = yield request
        if not self._rejected(response, sent) or not _replayable(request):
            return
        request.headers["Authorization"] = _bearer(self.provider.refresh(rejected=sent).value)
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._to_server(request.url):
            yield request
            return
        sent = (await self.async_provider.token()).value
        request.headers["Authorization"] = _bearer(sent)
        response = yield request
        if not self._rejected(response, sent) or not _replayable(request):
            return
        token = await self.async_provider.refresh(rejected=sent)
        request.headers["Authorization"] = _bearer(token.value)
        yield request

    def _to_server(self, url: httpx.URL) -> bool:
        return self._origin is None or origin(str(url)) == self._origin

    def _rejected(self, response: httpx.Response, sent: str) -> bool:
        """A 401 to a request that carried ``sent`` to the server (not, say, to where a
        redirect led without the token)."""
        answered = response.request
        return (
            response.status_code == 401
            and answered.headers.get("Authorization") == _bearer(sent)
            and self._to_server(answered.url)
        )


def _bearer(value: str) -> str:
    return f"Bearer {value}"


def _replayable(request: httpx.Request) -> bool:
    """True when the request's body is in memory (none, bytes, form or JSON): it can be
    sent again. A generator or file streamed out cannot."""
    return isinstance(request.stream, httpx.ByteStream)


def httpx_client_options(
    access: ClusterAccess, provider: TokenProvider | AsyncTokenProvider | None = None
) -> dict[str, Any]:
    """``httpx.Client``/``AsyncClient`` keywords for ``access``: ``base_url`` the server,
    ``auth`` an :class:`HttpxTokenAuth` bound to it, ``verify`` a context that trusts the
    cluster's CA alone (the system's when it has none; nothing with ``insecure``)."""
    verify: ssl.SSLContext | bool = True
    ca = access.ca_text()
    if access.insecure:
        verify = False
    elif ca is not None:
        verify = ca_context(ca)
    auth = HttpxTokenAuth(provider or access.provider, server=access.server)
    return {"base_url": access.server, "auth": auth, "verify": verify}


def _with_server_name(
    access: ClusterAccess, options: dict[str, Any], *, asynchronous: bool
) -> None:
    """Check the server's certificate for the kubeconfig's ``tls-server-name``."""
    name = access.tls_server_name
    if not name:
        return

    def set_name(request: httpx.Request) -> None:
        if origin(str(request.url)) == server_origin(access.server):
            request.extensions = {**request.extensions, "sni_hostname": name}

    async def set_name_async(request: httpx.Request) -> None:
        set_name(request)

    options["event_hooks"] = {"request": [set_name_async if asynchronous else set_name]}


def cluster_client(
    cluster_name: str | None = None,
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    server: str | None = None,
    certificate_authority_data: bytes | str | None = None,
    provider: TokenProvider | None = None,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
    **client_options: Any,
) -> httpx.Client:
    """An ``httpx.Client`` for a cluster, its token kept fresh by :class:`HttpxTokenAuth`.

    Give ``cluster_name`` (the endpoint and CA come from EKS DescribeCluster, unless
    ``server`` and ``certificate_authority_data`` (PEM) are given), or a kubeconfig
    ``context`` (and ``kubeconfig``) whose user runs an EKS token tool. Requests may be
    relative to the server URL. ``client_options`` go to ``httpx.Client``.
    """
    access = cluster_access(
        cluster_name,
        context=context,
        kubeconfig=kubeconfig,
        server=server,
        certificate_authority_data=certificate_authority_data,
        provider=provider,
        region=region,
        profile=profile,
        role_arn=role_arn,
        cache=cache,
        margin=margin,
        clock=clock,
    )
    settings = {**httpx_client_options(access), **client_options}
    _with_server_name(access, settings, asynchronous=False)
    return httpx.Client(**settings)


def cluster_async_client(
    cluster_name: str | None = None,
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    server: str | None = None,
    certificate_authority_data: bytes | str | None = None,
    provider: TokenProvider | AsyncTokenProvider | None = None,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
    **client_options: Any,
) -> httpx.AsyncClient:
    """:func:`cluster_client` for asyncio: an ``httpx.AsyncClient``.

    Reading a kubeconfig or calling DescribeCluster blocks: make the client at start-up
    (or in a worker thread); its requests then never block the event loop on the token.
    """
    sync = provider.sync_provider if isinstance(provider, AsyncTokenProvider) else provider
    access = cluster_access(
        cluster_name,
        context=context,
        kubeconfig=kubeconfig,
        server=server,
        certificate_authority_data=certificate_authority_data,
        provider=sync,
        region=region,
        profile=profile,
        role_arn=role_arn,
        cache=cache,
        margin=margin,
        clock=clock,
    )
    chosen = provider if isinstance(provider, AsyncTokenProvider) else None
    settings = {**httpx_client_options(access, chosen), **client_options}
    _with_server_name(access, settings, asynchronous=True)
    return httpx.AsyncClient(**settings)
