"""A ready ``kubernetes.client.ApiClient`` for an EKS cluster, its token kept fresh in-process.

The ``kubernetes`` package refreshes tokens only when they come from an exec
plugin, by running the plugin again. Here the token comes from a
:class:`~eks_token.inprocess.provider.TokenProvider` through the configuration's
``refresh_api_key_hook``, which the client calls before every request.

Needs the ``kubernetes`` extra: ``pip install 'eks-iam-token[kubernetes]'``.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eks_token.cache.interface import TokenCache
from eks_token.clock import Clock, utc_now
from eks_token.errors import ClusterError, EksTokenError, InvalidInputError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider

if TYPE_CHECKING:
    from datetime import timedelta

    from kubernetes.client import ApiClient, Configuration

    from eks_token.kubeconfig.model import ContextView

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


def _pem_text(data: bytes | str) -> str:
    # urllib3 reads bytes cadata as DER: hand it the PEM as text.
    return data.decode("ascii") if isinstance(data, bytes) else data


def _described_pem(cluster_name: str, ca_base64: str) -> str:
    """DescribeCluster's ``certificateAuthority.data``: base64 of the PEM CA certificate."""
    try:
        pem = base64.b64decode(ca_base64, validate=True).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise ClusterError(
            f"the CA of cluster {cluster_name!r} is not base64 of a PEM certificate",
            cluster=cluster_name,
        ) from exc
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ClusterError(
            f"the CA of cluster {cluster_name!r} is not a PEM certificate", cluster=cluster_name
        )
    return pem


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
    cluster_id = cluster_name
    ca_text = _given_ca(certificate_authority_data, certificate_authority_file)
    if server is None:
        from eks_token.aws.eks import describe_cluster

        described = describe_cluster(cluster_name, region=region, profile=profile)
        server = described.endpoint
        region = region or described.region
        cluster_id = described.cluster_id
        if ca_text is None:
            ca_text = _described_pem(cluster_name, described.certificate_authority_data)
    if provider is None:
        provider = TokenProvider(
            cluster_id,
            region=region,
            profile=profile,
            role_arn=role_arn,
            cache=cache,
            margin=margin,
            clock=clock,
        )
    configuration = _new_configuration()
    configuration.host = server.rstrip("/")
    if ca_text is not None:
        configuration.ca_cert_data = ca_text
    configure_bearer_token(configuration, provider)
    return _api_client(configuration)


def _given_ca(data: bytes | str | None, path: str | os.PathLike[str] | None) -> str | None:
    """The PEM text of the CA given as data or as a file, checked now."""
    from eks_token.net.tls import ca_pem

    if data is not None and path is not None:
        raise InvalidInputError(
            "give certificate_authority_data or certificate_authority_file, not both",
            option="certificate_authority_file",
        )
    if path is not None:
        try:
            with open(os.path.expanduser(os.fspath(path)), "rb") as file:
                content = file.read()
        except OSError as exc:
            raise InvalidInputError(
                f"certificate_authority_file {os.fspath(path)}: "
                f"{(exc.strerror or type(exc).__name__).lower()}",
                option="certificate_authority_file",
            ) from exc
        return ca_pem(content, option=f"certificate_authority_file {os.fspath(path)}")
    return ca_pem(data) if data is not None else None


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
    from eks_token.kubeconfig.files import load_context

    view = load_context(context, kubeconfig, environ)
    provider = provider_for_context(view, cache=cache, margin=margin, clock=clock)
    cluster = view.cluster
    configuration = _new_configuration()
    configuration.host = cluster.server.rstrip("/")
    if cluster.certificate_authority_data is not None:
        configuration.ca_cert_data = _pem_text(cluster.certificate_authority_data)
    elif cluster.certificate_authority is not None:
        configuration.ssl_ca_cert = cluster.certificate_authority
    configuration.verify_ssl = not cluster.insecure_skip_tls_verify
    if cluster.tls_server_name:
        configuration.tls_server_name = cluster.tls_server_name
    configure_bearer_token(configuration, provider)
    return _api_client(configuration)


def provider_for_context(
    view: ContextView,
    *,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
) -> TokenProvider:
    """The provider that signs what the context's exec entry would print."""
    from eks_token.inprocess.context_token import signer_for_context

    signer, cluster_id = signer_for_context(
        view, environ, other_tool_hint="; use kubernetes.config.new_client_from_config for it"
    )
    return TokenProvider(cluster_id, signer=signer, cache=cache, margin=margin, clock=clock)
