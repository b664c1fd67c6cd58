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

    from eks_token.aio.provider import AsyncTokenProvider
    from eks_token.aws.signer import TokenSigner, get_token
    from eks_token.cache.file_cache import FileTokenCache
    from eks_token.cache.interface import MemoryTokenCache, TokenCache
    from eks_token.cache.key import token_cache_key
    from eks_token.cluster.aws_auth import (
        AwsAuth,
        IdentityMapping,
        fetch_aws_auth,
        load_aws_auth_file,
        map_identity,
        parse_aws_auth,
    )
    from eks_token.cluster.identity import Identity, PrincipalArn, canonicalize_arn, parse_arn
    from eks_token.cluster.kube_api import (
        AccessReview,
        KubeApi,
        UserInfo,
    )
    from eks_token.cluster.token_rules import RuleFailure, TokenReport, check_token, inspect_token
    from eks_token.cluster.verifier import StsAnswer, TokenVerifier, verify_token
    from eks_token.core.credentials import AwsCredentials
    from eks_token.core.endpoints import StsEndpoint, resolve_sts_endpoint
    from eks_token.core.signing import sign_token
    from eks_token.core.token import (
        API_V1,
        API_V1ALPHA1,
        API_V1BETA1,
        Token,
        decode_token,
        encode_token,
    )
    from eks_token.doctor.report import Check, DoctorReport
    from eks_token.doctor.run import run_doctor
    from eks_token.errors import (
        ApiRequestError,
        ApiTlsError,
        ApiUnauthorizedError,
        ApiUnreachableError,
        ArnError,
        CacheError,
        ClusterError,
        ContextEntryError,
        CredentialsError,
        EksApiError,
        EksTokenError,
        ExecInfoError,
        ExecPluginError,
        InvalidInputError,
        KubeconfigError,
        MappingError,
        MfaRequiredError,
        NotMappedError,
        OutputError,
        ProfileNotFoundError,
        RoleAssumptionError,
        StsError,
        StsRejectedError,
        StsThrottledError,
        StsUnreachableError,
        TokenValidationError,
        UsageError,
    )
    from eks_token.exec_plugin.exec_info import ClusterInfo, ExecInfo, read_exec_info
    from eks_token.inprocess.context_token import token_for_context
    from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
    from eks_token.kubeconfig.exec_args import ExecInvocation, parse_exec_invocation
    from eks_token.kubeconfig.files import kubeconfig_paths, load_context, load_kubeconfig
    from eks_token.kubeconfig.migrate import migrate_document
    from eks_token.kubeconfig.model import (
        ClusterEntry,
        ContextView,
        ExecEntry,
        KubeConfig,
        UserEntry,
    )
    from eks_token.kubeconfig.update import update_kubeconfig
    from eks_token.transport.httpx_auth import HttpxTokenAuth

_EXPORTS: dict[str, str] = {
    "API_V1": "core.token",
    "API_V1ALPHA1": "core.token",
    "API_V1BETA1": "core.token",
    "AccessReview": "cluster.kube_api",
    "AsyncTokenProvider": "aio.provider",
    "ApiRequestError": "errors",
    "ApiTlsError": "errors",
    "ApiUnauthorizedError": "errors",
    "ApiUnreachableError": "errors",
    "ArnError": "errors",
    "AwsAuth": "cluster.aws_auth",
    "AwsCredentials": "core.credentials",
    "CacheError": "errors",
    "Check": "doctor.report",
    "ClusterEntry": "kubeconfig.model",
    "ClusterError": "errors",
    "ClusterInfo": "exec_plugin.exec_info",
    "ContextEntryError": "errors",
    "ContextView": "kubeconfig.model",
    "CredentialsError": "errors",
    "DEFAULT_REFRESH_MARGIN": "inprocess.provider",
    "DoctorReport": "doctor.report",
    "EksApiError": "errors",
    "EksTokenError": "errors",
    "ExecEntry": "kubeconfig.model",
    "ExecInfo": "exec_plugin.exec_info",
    "ExecInfoError": "errors",
    "ExecInvocation": "kubeconfig.exec_args",
    "ExecPluginError": "errors",
    "FileTokenCache": "cache.file_cache",
    "HttpxTokenAuth": "transport.httpx_auth",
    "Identity": "cluster.identity",
    "IdentityMapping": "cluster.aws_auth",
    "InvalidInputError": "errors",
    "KubeApi": "cluster.kube_api",
    "KubeConfig": "kubeconfig.model",
    "KubeconfigError": "errors",
    "MappingError": "errors",
    "MfaRequiredError": "errors",
    "MemoryTokenCache": "cache.interface",
    "NotMappedError": "errors",
    "OutputError": "errors",
    "PrincipalArn": "cluster.identity",
    "ProfileNotFoundError": "errors",
    "RoleAssumptionError": "errors",
    "RuleFailure": "cluster.token_rules",
    "StsAnswer": "cluster.verifier",
    "StsEndpoint": "core.endpoints",
    "StsError": "errors",
    "StsRejectedError": "errors",
    "StsThrottledError": "errors",
    "StsUnreachableError": "errors",
    "Token": "core.token",
    "TokenCache": "cache.interface",
    "TokenProvider": "inprocess.provider",
    "TokenReport": "cluster.token_rules",
    "TokenSigner": "aws.signer",
    "TokenValidationError": "errors",
    "TokenVerifier": "cluster.verifier",
    "UsageError": "errors",
    "UserEntry": "kubeconfig.model",
    "UserInfo": "cluster.kube_api",
    "canonicalize_arn": "cluster.identity",
    "check_token": "cluster.token_rules",
    "decode_token": "core.token",
    "encode_token": "core.token",
    "fetch_aws_auth": "cluster.aws_auth",
    "get_token": "aws.signer",
    "inspect_token": "cluster.token_rules",
    "kubeconfig_paths": "kubeconfig.files",
    "load_aws_auth_file": "cluster.aws_auth",
    "load_context": "kubeconfig.files",
    "load_kubeconfig": "kubeconfig.files",
    "map_identity": "cluster.aws_auth",
    "migrate_document": "kubeconfig.migrate",
    "parse_arn": "cluster.identity",
    "parse_aws_auth": "cluster.aws_auth",
    "parse_exec_invocation": "kubeconfig.exec_args",
    "read_exec_info": "exec_plugin.exec_info",
    "resolve_sts_endpoint": "core.endpoints",
    "run_doctor": "doctor.run",
    "sign_token": "core.signing",
    "token_cache_key": "cache.key",
    "token_for_context": "inprocess.context_token",
    "update_kubeconfig": "kubeconfig.update",
    "verify_token": "cluster.verifier",
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
    "AsyncTokenProvider",
    "AwsAuth",
    "AwsCredentials",
    "CacheError",
    "Check",
    "ClusterEntry",
    "ClusterError",
    "ClusterInfo",
    "ContextEntryError",
    "ContextView",
    "CredentialsError",
    "DoctorReport",
    "EksApiError",
    "EksTokenError",
    "ExecEntry",
    "ExecInfo",
    "ExecInfoError",
    "ExecInvocation",
    "ExecPluginError",
    "FileTokenCache",
    "HttpxTokenAuth",
    "Identity",
    "IdentityMapping",
    "InvalidInputError",
    "KubeApi",
    "KubeConfig",
    "KubeconfigError",
    "MappingError",
    "MemoryTokenCache",
    "MfaRequiredError",
    "NotMappedError",
    "OutputError",
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
    "UsageError",
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
