"""EKS tokens for kopf operators: what a ``@kopf.on.login()`` handler returns.

kopf takes its credentials from the login handlers and runs them again when the
credentials it holds expire (the ``expiration`` they came with) or when the API server
answers 401. :func:`kopf_connection_info` gives it the server, the CA, a token from an
:class:`~eks_token.aio.provider.AsyncTokenProvider` and, as the expiration, the moment
the provider would refresh that token: kopf logs in again in time. Asked again for a
token it has already handed out, it signs a new one: kopf asks again only for
credentials that ended or that the server refused.

Needs the ``kopf`` extra: ``pip install 'eks-iam-token[kopf]'``.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from datetime import timedelta
from typing import TYPE_CHECKING

from eks_token.aio.provider import AsyncTokenProvider
from eks_token.clock import Clock, utc_now
from eks_token.errors import EksTokenError, InvalidInputError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from eks_token.transport.cluster_access import ClusterAccess, cluster_access

if TYPE_CHECKING:
    import kopf

    from eks_token.cache.interface import TokenCache

__all__ = ["kopf_connection_info"]

#: The cluster and provider of each distinct set of arguments, so that every login of
#: an operator uses one provider (and kopf's re-login after a 401 gets a new token).
_RESOLVED: dict[tuple[object, ...], tuple[ClusterAccess, AsyncTokenProvider]] = {}
_RESOLVED_LOCK = threading.Lock()
#: The token value each provider last handed to kopf.
_HANDED: weakref.WeakKeyDictionary[AsyncTokenProvider, str] = weakref.WeakKeyDictionary()


async def kopf_connection_info(
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
) -> kopf.ConnectionInfo:
    """``kopf.ConnectionInfo`` for a cluster: return it from a ``@kopf.on.login()`` handler.

    The cluster is ``cluster_name`` (endpoint and CA from EKS DescribeCluster, unless
    ``server`` and ``certificate_authority_data`` (PEM) are given) or a kubeconfig
    ``context`` (and ``kubeconfig``) whose user runs an EKS token tool. Calls with the same
    arguments share one provider.
    """
    try:
        import kopf
    except ImportError as exc:
        raise EksTokenError(
            "the kopf package is not installed: pip install 'eks-iam-token[kopf]'"
        ) from exc
    key = (
        cluster_name,
        context,
        kubeconfig,
        server,
        certificate_authority_data,
        id(provider) if provider is not None else None,
        region,
        profile,
        role_arn,
        id(cache) if cache is not None else None,
        margin,
        clock,
    )
    with _RESOLVED_LOCK:
        resolved = _RESOLVED.get(key)
    if resolved is None:
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
        if access.tls_server_name:
            raise InvalidInputError(
                "kopf cannot check the server's certificate for another name "
                f"(tls-server-name {access.tls_server_name!r}); use the server's own name",
                option="context",
            )
        chosen = (
            provider
            if isinstance(provider, AsyncTokenProvider)
            else AsyncTokenProvider.sharing(access.provider)
        )
        with _RESOLVED_LOCK:
            resolved = _RESOLVED.setdefault(key, (access, chosen))
    access, async_provider = resolved
    token = await async_provider.token()
    if _HANDED.get(async_provider) == token.value:
        token = await async_provider.refresh(rejected=token)
    _HANDED[async_provider] = token.value
    return kopf.ConnectionInfo(
        server=access.server,
        ca_data=access.ca_pem,
        ca_path=access.ca_file,
        insecure=access.insecure or None,
        scheme="Bearer",
        token=token.value,
        expiration=token.expiration - async_provider.margin,
    )
