"""eks-token: EKS IAM authentication tokens, made and checked in Python.

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

    from .arn import PrincipalArn, canonicalize_arn, parse_arn
    from .aws_auth import (
        AwsAuth,
        IdentityMapping,
        NotMappedError,
        fetch_aws_auth,
        load_aws_auth_file,
        map_identity,
        parse_aws_auth,
    )
    from .cache import FileTokenCache
    from .cache_key import token_cache_key
    from .caching import MemoryTokenCache, TokenCache
    from .context_token import token_for_context
    from .credentials import AwsCredentials
    from .doctor import Check, DoctorReport, run_doctor
    from .endpoints import StsEndpoint, resolve_sts_endpoint
    from .errors import (
        ArnError,
        CacheError,
        ClusterError,
        CredentialsError,
        EksTokenError,
        ExecInfoError,
        InvalidInputError,
        KubeconfigError,
        MappingError,
        ProfileNotFoundError,
        RoleAssumptionError,
        StsError,
        StsRejectedError,
        StsThrottledError,
        StsUnreachableError,
        TokenValidationError,
    )
    from .exec_info import ClusterInfo, ExecInfo, read_exec_info
    from .generator import TokenSigner, get_token
    from .identity import Identity
    from .kube_api import (
        AccessReview,
        ApiRequestError,
        ApiTlsError,
        ApiUnauthorizedError,
        ApiUnreachableError,
        KubeApi,
        UserInfo,
    )
    from .kubeconfig import (
        ClusterEntry,
        ContextView,
        ExecEntry,
        ExecInvocation,
        KubeConfig,
        UserEntry,
        kubeconfig_paths,
        load_context,
        load_kubeconfig,
        migrate_document,
        parse_exec_invocation,
        update_kubeconfig,
    )
    from .provider import DEFAULT_REFRESH_MARGIN, TokenProvider
    from .signing import sign_token
    from .token import API_V1, API_V1ALPHA1, API_V1BETA1, Token, decode_token, encode_token
    from .token_rules import RuleFailure, TokenReport, check_token, inspect_token
    from .verify import StsAnswer, TokenVerifier, verify_token

_EXPORTS: dict[str, str] = {
    "API_V1": "token",
    "API_V1ALPHA1": "token",
    "API_V1BETA1": "token",
    "AccessReview": "kube_api",
    "ApiRequestError": "kube_api",
    "ApiTlsError": "kube_api",
    "ApiUnauthorizedError": "kube_api",
    "ApiUnreachableError": "kube_api",
    "ArnError": "errors",
    "AwsAuth": "aws_auth",
    "AwsCredentials": "credentials",
    "CacheError": "errors",
    "Check": "doctor",
    "ClusterEntry": "kubeconfig",
    "ClusterError": "errors",
    "ClusterInfo": "exec_info",
    "ContextView": "kubeconfig",
    "CredentialsError": "errors",
    "DEFAULT_REFRESH_MARGIN": "provider",
    "DoctorReport": "doctor",
    "EksTokenError": "errors",
    "ExecEntry": "kubeconfig",
    "ExecInfo": "exec_info",
    "ExecInfoError": "errors",
    "ExecInvocation": "kubeconfig",
    "FileTokenCache": "cache",
    "Identity": "identity",
    "IdentityMapping": "aws_auth",
    "InvalidInputError": "errors",
    "KubeApi": "kube_api",
    "KubeConfig": "kubeconfig",
    "KubeconfigError": "errors",
    "MappingError": "errors",
    "MemoryTokenCache": "caching",
    "NotMappedError": "aws_auth",
    "PrincipalArn": "arn",
    "ProfileNotFoundError": "errors",
    "RoleAssumptionError": "errors",
    "RuleFailure": "token_rules",
    "StsAnswer": "verify",
    "StsEndpoint": "endpoints",
    "StsError": "errors",
    "StsRejectedError": "errors",
    "StsThrottledError": "errors",
    "StsUnreachableError": "errors",
    "Token": "token",
    "TokenCache": "caching",
    "TokenProvider": "provider",
    "TokenReport": "token_rules",
    "TokenSigner": "generator",
    "TokenValidationError": "errors",
    "TokenVerifier": "verify",
    "UserEntry": "kubeconfig",
    "UserInfo": "kube_api",
    "canonicalize_arn": "arn",
    "check_token": "token_rules",
    "decode_token": "token",
    "encode_token": "token",
    "fetch_aws_auth": "aws_auth",
    "get_token": "generator",
    "inspect_token": "token_rules",
    "kubeconfig_paths": "kubeconfig",
    "load_aws_auth_file": "aws_auth",
    "load_context": "kubeconfig",
    "load_kubeconfig": "kubeconfig",
    "map_identity": "aws_auth",
    "migrate_document": "kubeconfig",
    "parse_arn": "arn",
    "parse_aws_auth": "aws_auth",
    "parse_exec_invocation": "kubeconfig",
    "read_exec_info": "exec_info",
    "resolve_sts_endpoint": "endpoints",
    "run_doctor": "doctor",
    "sign_token": "signing",
    "token_cache_key": "cache_key",
    "token_for_context": "context_token",
    "update_kubeconfig": "kubeconfig",
    "verify_token": "verify",
}

__all__ = [
    "API_V1",
    "API_V1ALPHA1",
    "API_V1BETA1",
    "DEFAULT_REFRESH_MARGIN",
    "AccessReview",
    "ApiRequestError",
    "ApiTlsError",
    "ApiUnauthorizedError",
    "ApiUnreachableError",
    "ArnError",
    "AwsAuth",
    "AwsCredentials",
    "CacheError",
    "Check",
    "ClusterEntry",
    "ClusterError",
    "ClusterInfo",
    "ContextView",
    "CredentialsError",
    "DoctorReport",
    "EksTokenError",
    "ExecEntry",
    "ExecInfo",
    "ExecInfoError",
    "ExecInvocation",
    "FileTokenCache",
    "Identity",
    "IdentityMapping",
    "InvalidInputError",
    "KubeApi",
    "KubeConfig",
    "KubeconfigError",
    "MappingError",
    "MemoryTokenCache",
    "NotMappedError",
    "PrincipalArn",
    "ProfileNotFoundError",
    "RoleAssumptionError",
    "RuleFailure",
    "StsAnswer",
    "StsEndpoint",
    "StsError",
    "StsRejectedError",
    "StsThrottledError",
    "StsUnreachableError",
    "Token",
    "TokenCache",
    "TokenProvider",
    "TokenReport",
    "TokenSigner",
    "TokenValidationError",
    "TokenVerifier",
    "UserEntry",
    "UserInfo",
    "canonicalize_arn",
    "check_token",
    "decode_token",
    "encode_token",
    "fetch_aws_auth",
    "get_token",
    "inspect_token",
    "kubeconfig_paths",
    "load_aws_auth_file",
    "load_context",
    "load_kubeconfig",
    "map_identity",
    "migrate_document",
    "parse_arn",
    "parse_aws_auth",
    "parse_exec_invocation",
    "read_exec_info",
    "resolve_sts_endpoint",
    "run_doctor",
    "sign_token",
    "token_cache_key",
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
