"""A ready ``kubernetes_asyncio`` ``ApiClient`` for an EKS cluster, its token kept fresh.

``kubernetes_asyncio`` refreshes an exec plugin's token only while the program runs the
client's ``refresh_token()`` task. Here the configuration's ``refresh_api_key_hook`` is a
coroutine the client awaits before every request: it asks an
:class:`~eks_token.aio.provider.AsyncTokenProvider`, which signs a new token ahead of
expiry without blocking the event loop. Nothing runs in the background.

Needs the ``kubernetes-asyncio`` extra: ``pip install 'eks-iam-token[kubernetes-asyncio]'``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import weakref
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from eks_token.aio.provider import AsyncTokenProvider
from eks_token.clock import Clock, utc_now
from eks_token.errors import EksTokenError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from eks_token.transport.cluster_access import ClusterAccess, cluster_access

if TYPE_CHECKING:
    from kubernetes_asyncio.client import ApiClient, Configuration

    from eks_token.cache.interface import TokenCache

__all__ = ["configure_async_bearer_token", "kubernetes_asyncio_api_client"]

_BEARER_KEY = "BearerToken"


class _AsyncBearerTokenHook:
    """The ``refresh_api_key_hook``: a coroutine putting the provider's token in place."""

    def __init__(self, provider: AsyncTokenProvider) -> None:
        self.provider = provider

    async def __call__(self, configuration: Configuration) -> None:
        token = await self.provider.token()
        configuration.api_key[_BEARER_KEY] = f"Bearer {token.value}"

    def __deepcopy__(self, memo: dict[int, Any]) -> _AsyncBearerTokenHook:
        # The client copies configurations; every copy keeps using the one provider.
        return self

    def __repr__(self) -> str:
        return f"_AsyncBearerTokenHook({self.provider!r})"


async def configure_async_bearer_token(
    configuration: Configuration, provider: AsyncTokenProvider
) -> Configuration:
    """Make a ``kubernetes_asyncio`` ``configuration`` send the provider's token, refreshed
    (when due) before each request."""
    hook = _AsyncBearerTokenHook(provider)
    configuration.api_key_prefix.pop(_BEARER_KEY, None)
    configuration.refresh_api_key_hook = hook
    # The client asks the hook only for a key it already has: put the first one in.
    await hook(configuration)
    return configuration


async def kubernetes_asyncio_api_client(
    cluster_name: str | None = None,
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
    server: str | None = None,
    certificate_authority_data: bytes | str | None = None,
    provider: AsyncTokenProvider | TokenProvider | None = None,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
) -> ApiClient:
    """A ``kubernetes_asyncio.client.ApiClient`` for a cluster, with a self-refreshing token.

    Give ``cluster_name`` (endpoint and CA from EKS DescribeCluster, unless ``server`` and
    ``certificate_authority_data`` (PEM) are given) or a kubeconfig ``context`` (and
    ``kubeconfig``) whose user runs an EKS token tool; its exec entry is read, never run.
    DescribeCluster and the kubeconfig are read in a worker thread.
    """
    try:
        from kubernetes_asyncio.client import ApiClient, Configuration
    except ImportError as exc:
        raise EksTokenError(
            "the kubernetes_asyncio package is not installed: "
            "pip install 'eks-iam-token[kubernetes-asyncio]'"
        ) from exc
    sync = provider.sync_provider if isinstance(provider, AsyncTokenProvider) else provider
    access = await asyncio.to_thread(
        cluster_access,
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
    if not isinstance(provider, AsyncTokenProvider):
        provider = AsyncTokenProvider.sharing(access.provider)
    configuration = Configuration(host=access.server)
    ca_directory = _trust(configuration, access)
    await configure_async_bearer_token(configuration, provider)
    client: ApiClient = ApiClient(configuration)
    if ca_directory is not None:
        weakref.finalize(client, shutil.rmtree, ca_directory, True)
    return client


def _trust(configuration: Configuration, access: ClusterAccess) -> str | None:
    """Make ``configuration`` trust the cluster's CA alone; returns the private directory
    holding the CA file it needs (``kubernetes_asyncio`` loads a CA from a file only)."""
    configuration.verify_ssl = not access.insecure
    if access.tls_server_name:
        configuration.tls_server_name = access.tls_server_name
    if access.ca_file is not None:
        configuration.ssl_ca_cert = access.ca_file
        return None
    if access.ca_pem is None:
        return None
    directory = tempfile.mkdtemp(prefix="eks-token-ca-")
    path = os.path.join(directory, "ca.pem")
    with open(path, "w", encoding="ascii") as file:
        file.write(access.ca_pem)
    configuration.ssl_ca_cert = path
    return directory
