"""Moving exec entries of the older EKS token tools onto eks-token."""

from __future__ import annotations

import copy
import functools
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eks_token.core.token import API_V1ALPHA1, API_V1BETA1
from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.entries import EXEC_COMMAND
from eks_token.kubeconfig.exec_args import parse_exec_invocation
from eks_token.kubeconfig.model import exec_entry_from_mapping

__all__ = ["FileMigration", "MigrationResult", "UserChange", "migrate_document", "migrate_files"]


@dataclass(frozen=True)
class UserChange:
    """One user's exec entry, before and after."""

    user: str
    old_command: str
    new_command: str
    old_api_version: str
    new_api_version: str

    def describe(self) -> str:
        parts = []
        if self.old_command != self.new_command:
            parts.append(f"{self.old_command} -> {self.new_command}")
        if self.old_api_version != self.new_api_version:
            parts.append(f"apiVersion {self.old_api_version} -> {self.new_api_version}")
        return f"user {self.user}: " + "; ".join(parts)


@dataclass(frozen=True)
class MigrationResult:
    """The migrated document, each change, and each user left alone with the reason."""

    path: Path
    document: dict[str, Any]
    changes: list[UserChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FileMigration:
    """What :func:`migrate_files` did to one file (``exists`` False: skipped, not there)."""

    path: Path
    exists: bool
    changes: list[UserChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def migrate_files(
    paths: Sequence[Path],
    *,
    command: str = EXEC_COMMAND,
    dry_run: bool = False,
    must_exist: bool = False,
    on_file: Callable[[FileMigration], None] | None = None,
) -> list[FileMigration]:
    """Migrate every user of every file in ``paths`` (:func:`migrate_document`), and write
    the files that change unless ``dry_run``.

    Every file is read before any is written, so one that cannot be parsed stops the run
    with nothing changed. Each file is migrated again under kubectl's lock as it is
    written, keeping changes others made meanwhile. A missing file is skipped, or with
    ``must_exist`` (one file the user named) a :class:`~eks_token.errors.KubeconfigError`.
    ``on_file`` hears of each file before it is written (so what was done is known should a
    later write fail).
    """
    from eks_token.kubeconfig.files import read_document
    from eks_token.kubeconfig.writer import rewrite_document

    documents = [(path, read_document(path)) for path in paths]
    if must_exist:
        for path, document in documents:
            if document is None:
                raise KubeconfigError(f"kubeconfig {path} does not exist", path=str(path))
    done: list[FileMigration] = []
    for path, document in documents:
        if document is None:
            outcome = FileMigration(path, exists=False)
        else:
            result = migrate_document(document, path, command=command)
            outcome = FileMigration(path, True, result.changes, result.warnings)
        done.append(outcome)
        if on_file is not None:
            on_file(outcome)
        if outcome.changes and not dry_run:
            rewrite_document(path, functools.partial(_migrated, path=path, command=command))
    return done


def _migrated(document: dict[str, Any], *, path: Path, command: str) -> dict[str, Any]:
    return migrate_document(document, path, command=command).document


def migrate_document(
    document: Mapping[str, Any], path: Path, *, command: str = EXEC_COMMAND
) -> MigrationResult:
    """Rewrite every user that runs a known EKS token tool to run eks-token instead.

    Role, region, profile, cluster id and the env are kept; v1alpha1 (which
    kubectl 1.24+ rejects) becomes v1beta1. A user whose arguments are not all
    understood is left as it was, with a warning. ``command`` is what migrated entries run;
    an absolute path there also rewrites the command of entries that already run eks-token
    (with the plain name, their command is kept).
    """
    migrated: dict[str, Any] = copy.deepcopy(dict(document))
    changes: list[UserChange] = []
    warnings: list[str] = []
    users = migrated.get("users") or []
    if not isinstance(users, list):
        raise KubeconfigError(f"{path}: users must be a list", path=str(path))
    for item in users:
        if not isinstance(item, dict) or not isinstance(item.get("user"), dict):
            continue
        name = str(item.get("name"))
        raw_exec = item["user"].get("exec")
        if not isinstance(raw_exec, dict):
            continue
        try:
            entry = exec_entry_from_mapping(raw_exec, name, path)
        except KubeconfigError as exc:
            warnings.append(f"user {name} left as it was: {exc}")
            continue
        invocation = parse_exec_invocation(entry)
        if invocation is None:
            continue
        if invocation.unknown_args:
            warnings.append(
                f"user {name} left as it was: {entry.command} arguments not understood: "
                + " ".join(invocation.unknown_args)
            )
            continue
        if invocation.cluster_id is None and not entry.provide_cluster_info:
            warnings.append(
                f"user {name} left as it was: its {entry.command} entry names no cluster"
            )
            continue
        # An eks-token entry keeps its arguments; only its apiVersion may need moving.
        new_args = entry.args if invocation.tool == EXEC_COMMAND else invocation.to_eks_token_args()
        new_version = API_V1BETA1 if entry.api_version == API_V1ALPHA1 else entry.api_version
        old_line = shlex.join([entry.command, *entry.args])
        new_command = command
        if invocation.tool == EXEC_COMMAND and command == EXEC_COMMAND:
            new_command = entry.command
        new_line = shlex.join([new_command, *new_args])
        if old_line == new_line and new_version == entry.api_version:
            continue
        raw_exec["command"] = new_command
        raw_exec["args"] = new_args
        if new_version:
            raw_exec["apiVersion"] = new_version
        changes.append(UserChange(name, old_line, new_line, entry.api_version, new_version))
    return MigrationResult(path, migrated, changes, warnings)
