"""eks-token: EKS IAM authentication tokens, made and checked in Python.

``from eks_token import ...`` is the way in. The names below are the public API, with
the HTTP adapters' own modules (each needs its HTTP library):
``eks_token.transport.requests_auth``, ``eks_token.transport.kubernetes_client``,
``eks_token.transport.httpx_auth``, ``eks_token.transport.kubernetes_asyncio_client`` and
``eks_token.transport.kopf_login``. Every other module of the package is internal: its
names and paths may change in any release.

Tokens:
    get_token, Token, TokenSigner, sign_token, resolve_sts_endpoint, AwsCredentials,
    TokenCache, MemoryTokenCache, FileTokenCache

Providers and HTTP adapters:
    TokenProvider, AsyncTokenProvider, HttpxTokenAuth, describe_cluster

Kubeconfig:
    kubeconfig_paths, load_kubeconfig, load_context, KubeConfig, ContextView, ExecEntry,
    parse_exec_invocation, token_for_context, update_kubeconfig, migrate_document

The cluster's side:
    TokenVerifier, verify_token, Identity, check_token, inspect_token, load_aws_auth_file,
    map_identity

Errors:
    EksTokenError, InvalidInputError, CredentialsError, MfaRequiredError, KubeconfigError,
    TokenValidationError, MappingError, ServiceError, StsRejectedError, ClusterError

Every error is an EksTokenError; the whole tree is drawn at the top of eks_token/errors.py,
and a class not named above is caught through its branch (InvalidInputError,
CredentialsError, ServiceError with its ``retryable`` flag, ...).

``import eks_token`` stays cheap (kubectl starts the exec plugin for every
command): names are loaded from their modules on first use, and botocore,
requests and yaml only where they are needed.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Not typing.TYPE_CHECKING: importing typing costs about 3 ms at every start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from eks_token.aio.provider import AsyncTokenProvider
    from eks_token.aws.eks import describe_cluster
    from eks_token.aws.signer import TokenSigner, get_token
    from eks_token.cache.file_cache import FileTokenCache
    from eks_token.cache.interface import MemoryTokenCache, TokenCache
    from eks_token.cluster.aws_auth import load_aws_auth_file, map_identity
    from eks_token.cluster.identity import Identity
    from eks_token.cluster.token_rules import check_token, inspect_token
    from eks_token.cluster.verifier import TokenVerifier, verify_token
    from eks_token.core.credentials import AwsCredentials
    from eks_token.core.endpoints import resolve_sts_endpoint
    from eks_token.core.signing import sign_token
    from eks_token.core.token import Token
    from eks_token.errors import (
        ClusterError,
        CredentialsError,
        EksTokenError,
        InvalidInputError,
        KubeconfigError,
        MappingError,
        MfaRequiredError,
        ServiceError,
        StsRejectedError,
        TokenValidationError,
    )
    from eks_token.inprocess.context_token import token_for_context
    from eks_token.inprocess.provider import TokenProvider
    from eks_token.kubeconfig.exec_args import parse_exec_invocation
    from eks_token.kubeconfig.files import kubeconfig_paths, load_context, load_kubeconfig
    from eks_token.kubeconfig.migrate import migrate_document
    from eks_token.kubeconfig.model import ContextView, ExecEntry, KubeConfig
    from eks_token.kubeconfig.update import update_kubeconfig
    from eks_token.transport.httpx_auth import HttpxTokenAuth

#: Where the exports live, one line per module (the imports above say the same for type
#: checkers; tests/test_public_api.py checks that the two agree).
_MODULES: dict[str, tuple[str, ...]] = {
    "aio.provider": ("AsyncTokenProvider",),
    "aws.eks": ("describe_cluster",),
    "aws.signer": ("TokenSigner", "get_token"),
    "cache.file_cache": ("FileTokenCache",),
    "cache.interface": ("MemoryTokenCache", "TokenCache"),
    "cluster.identity": ("Identity",),
    "cluster.aws_auth": ("load_aws_auth_file", "map_identity"),
    "cluster.token_rules": ("check_token", "inspect_token"),
    "cluster.verifier": ("TokenVerifier", "verify_token"),
    "core.credentials": ("AwsCredentials",),
    "core.endpoints": ("resolve_sts_endpoint",),
    "core.signing": ("sign_token",),
    "core.token": ("Token",),
    "errors": (
        "ClusterError",
        "CredentialsError",
        "EksTokenError",
        "InvalidInputError",
        "KubeconfigError",
        "MappingError",
        "MfaRequiredError",
        "ServiceError",
        "StsRejectedError",
        "TokenValidationError",
    ),
    "inprocess.context_token": ("token_for_context",),
    "inprocess.provider": ("TokenProvider",),
    "kubeconfig.exec_args": ("parse_exec_invocation",),
    "kubeconfig.files": ("kubeconfig_paths", "load_context", "load_kubeconfig"),
    "kubeconfig.migrate": ("migrate_document",),
    "kubeconfig.model": ("ContextView", "ExecEntry", "KubeConfig"),
    "kubeconfig.update": ("update_kubeconfig",),
    "transport.httpx_auth": ("HttpxTokenAuth",),
}
_EXPORTS: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "AsyncTokenProvider",
    "AwsCredentials",
    "ClusterError",
    "ContextView",
    "CredentialsError",
    "EksTokenError",
    "ExecEntry",
    "FileTokenCache",
    "HttpxTokenAuth",
    "Identity",
    "InvalidInputError",
    "KubeConfig",
    "KubeconfigError",
    "MappingError",
    "MemoryTokenCache",
    "MfaRequiredError",
    "ServiceError",
    "StsRejectedError",
    "Token",
    "TokenCache",
    "TokenProvider",
    "TokenSigner",
    "TokenValidationError",
    "TokenVerifier",
    "check_token",
    "describe_cluster",
    "get_token",
    "inspect_token",
    "kubeconfig_paths",
    "load_aws_auth_file",
    "load_context",
    "load_kubeconfig",
    "map_identity",
    "migrate_document",
    "parse_exec_invocation",
    "resolve_sts_endpoint",
    "sign_token",
    "token_for_context",
    "update_kubeconfig",
    "verify_token",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eks_token' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
