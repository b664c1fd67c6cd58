"""Kubeconfig files: read them as kubectl does, understand their exec entries, write EKS entries.

Importing this package does not import yaml; the functions that parse or
write files do.
"""

from __future__ import annotations

from .eks_cluster import EksCluster, describe_cluster
from .entries import KubeconfigEntries, build_entries
from .exec_args import ExecInvocation, parse_exec_invocation
from .files import kubeconfig_paths, load_context, load_kubeconfig
from .migrate import MigrationResult, UserChange, migrate_document
from .model import (
    EXEC_EXTENSION_NAME,
    ClusterEntry,
    ContextView,
    ExecEntry,
    KubeConfig,
    UserEntry,
)
from .update import UpdateResult, update_kubeconfig
from .writer import write_document

__all__ = [
    "EXEC_EXTENSION_NAME",
    "ClusterEntry",
    "ContextView",
    "EksCluster",
    "ExecEntry",
    "ExecInvocation",
    "KubeConfig",
    "KubeconfigEntries",
    "MigrationResult",
    "UpdateResult",
    "UserChange",
    "UserEntry",
    "build_entries",
    "describe_cluster",
    "kubeconfig_paths",
    "load_context",
    "load_kubeconfig",
    "migrate_document",
    "parse_exec_invocation",
    "update_kubeconfig",
    "write_document",
]
