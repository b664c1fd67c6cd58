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

    from .credentials import AwsCredentials
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
    from .generator import TokenSigner, get_token, sign_token
    from .token import API_V1, API_V1ALPHA1, API_V1BETA1, Token, decode_token, encode_token

_EXPORTS: dict[str, str] = {
    "API_V1": "token",
    "API_V1ALPHA1": "token",
    "API_V1BETA1": "token",
    "ArnError": "errors",
    "AwsCredentials": "credentials",
    "CacheError": "errors",
    "ClusterError": "errors",
    "ClusterInfo": "exec_info",
    "CredentialsError": "errors",
    "EksTokenError": "errors",
    "ExecInfo": "exec_info",
    "ExecInfoError": "errors",
    "InvalidInputError": "errors",
    "KubeconfigError": "errors",
    "MappingError": "errors",
    "ProfileNotFoundError": "errors",
    "RoleAssumptionError": "errors",
    "StsEndpoint": "endpoints",
    "StsError": "errors",
    "StsRejectedError": "errors",
    "StsThrottledError": "errors",
    "StsUnreachableError": "errors",
    "Token": "token",
    "TokenSigner": "generator",
    "TokenValidationError": "errors",
    "decode_token": "token",
    "encode_token": "token",
    "get_token": "generator",
    "read_exec_info": "exec_info",
    "resolve_sts_endpoint": "endpoints",
    "sign_token": "generator",
}

__all__ = [
    "API_V1",
    "API_V1ALPHA1",
    "API_V1BETA1",
    "ArnError",
    "AwsCredentials",
    "CacheError",
    "ClusterError",
    "ClusterInfo",
    "CredentialsError",
    "EksTokenError",
    "ExecInfo",
    "ExecInfoError",
    "InvalidInputError",
    "KubeconfigError",
    "MappingError",
    "ProfileNotFoundError",
    "RoleAssumptionError",
    "StsEndpoint",
    "StsError",
    "StsRejectedError",
    "StsThrottledError",
    "StsUnreachableError",
    "Token",
    "TokenSigner",
    "TokenValidationError",
    "decode_token",
    "encode_token",
    "get_token",
    "read_exec_info",
    "resolve_sts_endpoint",
    "sign_token",
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
