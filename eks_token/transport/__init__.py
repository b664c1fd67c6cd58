"""Transport adapters: EKS tokens for HTTP libraries, one module per library.

* :mod:`eks_token.transport.requests_auth`: :class:`EksTokenAuth` for ``requests``.
* :mod:`eks_token.transport.kubernetes_client`: a ready ``kubernetes.client.ApiClient``
  (needs the ``kubernetes`` extra).
* :mod:`eks_token.transport.httpx_auth`: :class:`HttpxTokenAuth` and clients for ``httpx``
  (the ``httpx`` extra).
* :mod:`eks_token.transport.kubernetes_asyncio_client`: a ready ``kubernetes_asyncio``
  ``ApiClient`` (the ``kubernetes-asyncio`` extra).
* :mod:`eks_token.transport.kopf_login`: ``kopf.ConnectionInfo`` for a login handler (the
  ``kopf`` extra).
* :mod:`eks_token.transport.cluster_access`: where a cluster is and what to trust, for all
  of them.

Names are loaded on first use, so importing this package imports none of these libraries.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing this package imports nothing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from eks_token.transport.httpx_auth import (
        HttpxTokenAuth,
        cluster_async_client,
        cluster_client,
    )
    from eks_token.transport.kopf_login import kopf_connection_info
    from eks_token.transport.kubernetes_asyncio_client import kubernetes_asyncio_api_client
    from eks_token.transport.kubernetes_client import (
        api_client_for_cluster,
        api_client_from_kubeconfig,
        configure_bearer_token,
    )
    from eks_token.transport.requests_auth import EksTokenAuth, cluster_session

__all__ = [
    "EksTokenAuth",
    "HttpxTokenAuth",
    "api_client_for_cluster",
    "api_client_from_kubeconfig",
    "cluster_async_client",
    "cluster_client",
    "cluster_session",
    "configure_bearer_token",
    "kopf_connection_info",
    "kubernetes_asyncio_api_client",
]

_EXPORTS = {
    "EksTokenAuth": "requests_auth",
    "cluster_session": "requests_auth",
    "api_client_for_cluster": "kubernetes_client",
    "api_client_from_kubeconfig": "kubernetes_client",
    "configure_bearer_token": "kubernetes_client",
    "HttpxTokenAuth": "httpx_auth",
    "cluster_client": "httpx_auth",
    "cluster_async_client": "httpx_auth",
    "kubernetes_asyncio_api_client": "kubernetes_asyncio_client",
    "kopf_connection_info": "kopf_login",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
