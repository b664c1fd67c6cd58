"""Where a cluster's API server is, what it is trusted with, and whose tokens it takes.

Every client adapter (``kubernetes``, ``kubernetes_asyncio``, kopf, httpx) reaches a cluster
either by its EKS name (endpoint and CA from DescribeCluster) or through a kubeconfig
context (server, CA and the exec entry's identity, signed in-process): both become a
:class:`ClusterAccess` here, so the adapters only translate it into their library's terms.
No HTTP library is imported.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from eks_token.clock import Clock, utc_now
from eks_token.errors import ClusterError, InvalidInputError, KubeconfigError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider

if TYPE_CHECKING:
    from eks_token.cache.interface import TokenCache
    from eks_token.kubeconfig.model import ContextView

__all__ = [
    "ClusterAccess",
    "cluster_access",
    "context_access",
    "described_access",
    "described_pem",
    "given_ca",
    "provider_for_context",
]


@dataclass(frozen=True)
class ClusterAccess:
    """An API server, how to trust it, and the provider of its tokens.

    ``ca_pem`` (PEM text) or ``ca_file`` (a path) is the CA to trust alone; with neither,
    the system's CAs are trusted, and with ``insecure`` nothing is verified (a kubeconfig's
    ``insecure-skip-tls-verify``). ``tls_server_name`` is the name to check the server's
    certificate for instead of the URL's host.
    """

    server: str
    provider: TokenProvider = field(repr=False)
    ca_pem: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    tls_server_name: str | None = None

    def ca_text(self) -> str | None:
        """The CA to trust as PEM text (read from :attr:`ca_file` if that is how it is given)."""
        if self.ca_pem is not None or self.ca_file is None:
            return self.ca_pem
        try:
            return Path(self.ca_file).read_text(encoding="ascii", errors="replace")
        except OSError as exc:
            raise KubeconfigError(
                f"cannot read the cluster's certificate authority {self.ca_file}: "
                f"{exc.strerror or exc}",
                path=self.ca_file,
            ) from exc


def pem_text(data: bytes | str) -> str:
    """PEM given as bytes or text, as text (urllib3 reads bytes ``cadata`` as DER)."""
    return data.decode("ascii") if isinstance(data, bytes) else data


def described_pem(cluster_name: str, ca_base64: str) -> str:
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


def described_access(
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
) -> ClusterAccess:
    """The EKS cluster ``cluster_name``: without ``server``, its endpoint and CA from EKS
    DescribeCluster (with ``region`` and ``profile``). The CA, if given, is checked here
    (:func:`given_ca`). ``provider`` replaces the one built from ``region``, ``profile``,
    ``role_arn``, ``cache``, ``margin`` and ``clock``."""
    cluster_id = cluster_name
    ca = given_ca(certificate_authority_data, certificate_authority_file)
    if server is None:
        from eks_token.aws.eks import describe_cluster

        described = describe_cluster(cluster_name, region=region, profile=profile)
        server = described.endpoint
        region = region or described.region
        cluster_id = described.cluster_id
        if ca is None:
            ca = described_pem(cluster_name, described.certificate_authority_data)
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
    return ClusterAccess(server.rstrip("/"), provider, ca_pem=ca)


def given_ca(data: bytes | str | None, path: str | os.PathLike[str] | None) -> str | None:
    """The PEM text of a CA given as data (PEM, or its base64 as a kubeconfig's
    ``certificate-authority-data`` holds it) or as a PEM file, checked now: anything else is
    an InvalidInputError here, not a TLS failure at the first request."""
    from eks_token.net.http import ca_pem

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


def context_access(
    context: str | None = None,
    kubeconfig: str | None = None,
    *,
    cache: TokenCache | None = None,
    margin: timedelta = DEFAULT_REFRESH_MARGIN,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
) -> ClusterAccess:
    """A kubeconfig context whose user runs an EKS token tool (``context`` and
    ``kubeconfig`` as kubectl's ``--context`` and ``--kubeconfig``): its cluster entry, and
    a provider signing in-process what its exec entry would print."""
    from eks_token.kubeconfig.files import load_context

    view = load_context(context, kubeconfig, environ)
    provider = provider_for_context(view, cache=cache, margin=margin, clock=clock, environ=environ)
    cluster = view.cluster
    data = cluster.certificate_authority_data
    return ClusterAccess(
        cluster.server.rstrip("/"),
        provider,
        ca_pem=pem_text(data) if data is not None else None,
        ca_file=cluster.certificate_authority if data is None else None,
        insecure=cluster.insecure_skip_tls_verify,
        tls_server_name=cluster.tls_server_name or None,
    )


def cluster_access(
    cluster_name: str | None = None,
    *,
    context: str | None = None,
    kubeconfig: str | None = None,
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
) -> ClusterAccess:
    """What every adapter's ``(cluster_name | context, kubeconfig | server, CA, provider)``
    arguments mean: the EKS cluster ``cluster_name`` (:func:`described_access`; with
    ``server`` and a ``provider``, the name may be left out), else the kubeconfig
    ``context`` (:func:`context_access`; the current one by default), whose token
    ``provider`` signs if given. Blocks (DescribeCluster, files)."""
    if cluster_name is not None and (context is not None or kubeconfig is not None):
        raise InvalidInputError(
            "give a cluster name or a kubeconfig context, not both", option="context"
        )
    if cluster_name is None and server is not None:
        if provider is None:
            raise InvalidInputError(
                "give the cluster name (or a provider) with the server URL", option="server"
            )
        cluster_name = provider.cluster_id
    if cluster_name is not None:
        return described_access(
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
    access = context_access(context, kubeconfig, cache=cache, margin=margin, clock=clock)
    return access if provider is None else replace(access, provider=provider)


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
