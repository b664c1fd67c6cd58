"""Kubeconfig files: read them as kubectl does, understand their exec entries, write EKS entries."""

from __future__ import annotations

# Names load on first use: importing the package imports none of its modules.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_EXPORTS: dict[str, str] = {
    "ClusterEntry": "model",
    "ContextView": "model",
    "EXEC_EXTENSION_NAME": "model",
    "ExecEntry": "model",
    "ExecInvocation": "exec_args",
    "KubeConfig": "model",
    "KubeconfigEntries": "entries",
    "MigrationResult": "migrate",
    "UpdateResult": "update",
    "UserChange": "migrate",
    "UserEntry": "model",
    "build_entries": "entries",
    "kubeconfig_paths": "files",
    "load_context": "files",
    "load_kubeconfig": "files",
    "migrate_document": "migrate",
    "parse_exec_invocation": "exec_args",
    "update_kubeconfig": "update",
    "write_document": "writer",
}

__all__ = [
    "EXEC_EXTENSION_NAME",
    "ClusterEntry",
    "ContextView",
    "ExecEntry",
    "ExecInvocation",
    "KubeConfig",
    "KubeconfigEntries",
    "MigrationResult",
    "UpdateResult",
    "UserChange",
    "UserEntry",
    "build_entries",
    "kubeconfig_paths",
    "load_context",
    "load_kubeconfig",
    "migrate_document",
    "parse_exec_invocation",
    "update_kubeconfig",
    "write_document",
]


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
