"""Transport adapters: EKS tokens for HTTP libraries, one module per library.

* :mod:`eks_token.transport.requests_auth`: :class:`EksTokenAuth` for ``requests``.
* :mod:`eks_token.transport.kubernetes_client`: a ready ``kubernetes.client.ApiClient``
  (needs the ``kubernetes`` extra).

Names are loaded on first use, so importing this package imports neither library.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing this package imports nothing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from eks_token.transport.kubernetes_client import (
        api_client_for_cluster,
        api_client_from_kubeconfig,
        configure_bearer_token,
    )
    from eks_token.transport.requests_auth import EksTokenAuth, cluster_session

__all__ = [
    "EksTokenAuth",
    "api_client_for_cluster",
    "api_client_from_kubeconfig",
    "cluster_session",
    "configure_bearer_token",
]

_EXPORTS = {
    "EksTokenAuth": "requests_auth",
    "cluster_session": "requests_auth",
    "api_client_for_cluster": "kubernetes_client",
    "api_client_from_kubeconfig": "kubernetes_client",
    "configure_bearer_token": "kubernetes_client",
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
