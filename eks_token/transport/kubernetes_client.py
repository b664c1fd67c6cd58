"""A ready ``kubernetes.client.ApiClient`` for an EKS cluster, its token kept fresh in-process.

The ``kubernetes`` package refreshes tokens only when they come from an exec
plugin, by running the plugin again. Here the token comes from a
:class:`~eks_token.inprocess.provider.TokenProvider` through the configuration's
``refresh_api_key_hook``, which the client calls before every request.

Needs the ``kubernetes`` extra: ``pip install 'eks-iam-token[kubernetes]'``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eks_token.cache.interface import TokenCache
from eks_token.clock import Clock, utc_now
from eks_token.errors import EksTokenError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from eks_token.transport.cluster_access import (
    ClusterAccess,
    context_access,
    described_access,
    provider_for_context,
)

if TYPE_CHECKING:
    from datetime import timedelta

    from kubernetes.client import ApiClient, Configuration

__all__ = [
    "api_client_for_cluster",
    "api_client_from_kubeconfig",
    "configure_bearer_token",
    "provider_for_context",
]

_BEARER_KEY = "BearerToken"


class _BearerTokenHook:
    """The ``refresh_api_key_hook``: puts the provider's current token in the configuration."""

    def __init__(self, provider: TokenProvider) -> None:
        self.provider = provider

    def __call__(self, configuration: Configuration) -> None:
        configuration.api_key[_BEARER_KEY] = f"Bearer {self.provider.token().value}"

    def __deepcopy__(self, memo: dict[int, Any]) -> _BearerTokenHook:
        # The client deep-copies configurations; every copy keeps using the one provider.
        return self

    def __repr__(self) -> str:
        return f"_BearerTokenHook({self.provider!r})"


def configure_bearer_token(configuration: Configuration, provider: TokenProvider) -> Configuration:
    """Make ``configuration`` send the provider's token, refreshed before each request."""
    hook = _BearerTokenHook(provider)
    configuration.api_key_prefix.pop(_BEARER_KEY, None)
    # The package annotates the attribute as None, though it calls whatever is set there.
    configuration.refresh_api_key_hook = hook  # type: ignore[assignment]
    hook(configuration)
    return configuration


def _new_configuration() -> Configuration:
    try:
        from kubernetes.client import Configuration
    except ImportError as exc:
        raise EksTokenError(
            "the kubernetes package is not installed: pip install 'eks-iam-token[kubernetes]'"
        ) from exc
    configuration: Configuration = Configuration()
    return configuration


def _api_client(configuration: Configuration) -> ApiClient:
    from kubernetes.client import ApiClient

    client: ApiClient = ApiClient(configuration)
    return client


def api_client_for_cluster(
    cluster_name: str,
    *,
    server: str | None = None,
    certificate_authority_data: bytes | str | None = None,
    certificate_authority_file: str | os.PathLike[str] | None = None,
    provider: TokenProvider | None = None,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
) -> ApiClient:
    """An ``ApiClient`` for the EKS cluster ``cluster_name``, with a self-refreshing token.

    Without ``server``, the API server URL and CA come from EKS DescribeCluster
    (with ``region`` and ``profile``). With ``server`` and no CA, the system's
    trusted CAs are used. ``certificate_authority_data`` is PEM (bytes or text) or its
    base64, as a kubeconfig's ``certificate-authority-data`` holds it;
    ``certificate_authority_file`` is the path of a PEM file. Anything else raises
    :class:`~eks_token.errors.InvalidInputError` here, not at the first request. ``provider``
    replaces the one built from ``region``, ``profile``, ``role_arn``,
    ``cache``, ``margin`` and ``now``.
    """
    access = described_access(
        cluster_name,
        server=server,
        certificate_authority_data=certificate_authority_data,
        certificate_authority_file=certificate_authority_file,
        provider=provider,
        region=region,
        profile=profile,
        role_arn=role_arn,
        cache=cache,
        margin=margin,
        clock=clock,
    )
    return _api_client_for(access)


def api_client_from_kubeconfig(
    context: str | None = None,
    kubeconfig: str | None = None,
    *,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
) -> ApiClient:
    """An ``ApiClient`` for a kubeconfig context whose user runs an EKS token tool.

    The exec entry (eks-token, aws-iam-authenticator, heptio-authenticator-aws or
    ``aws eks get-token``) is not run: its arguments are read and the token is
    signed in this process, and refreshed here too. ``context`` and
    ``kubeconfig`` mean what kubectl's ``--context`` and ``--kubeconfig`` mean.
    """
    access = context_access(
        context, kubeconfig, cache=cache, margin=margin, clock=clock, environ=environ
    )
    return _api_client_for(access)


def _api_client_for(access: ClusterAccess) -> ApiClient:
    configuration = _new_configuration()
    configuration.host = access.server
    if access.ca_pem is not None:
        configuration.ca_cert_data = access.ca_pem
    elif access.ca_file is not None:
        configuration.ssl_ca_cert = access.ca_file
    configuration.verify_ssl = not access.insecure
    if access.tls_server_name:
        configuration.tls_server_name = access.tls_server_name
    configure_bearer_token(configuration, access.provider)
    return _api_client(configuration)
