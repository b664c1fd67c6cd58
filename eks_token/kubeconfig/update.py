"""``update-kubeconfig`` for eks-token: describe the cluster, merge its entries, write."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eks_token.aws.eks import EksCluster, describe_cluster
from eks_token.kubeconfig.entries import EXEC_COMMAND, KubeconfigEntries, build_entries
from eks_token.kubeconfig.files import read_document
from eks_token.kubeconfig.merge import merge_entries
from eks_token.kubeconfig.writer import dump_document, target_path, write_document

__all__ = ["UpdateResult", "split_path", "update_kubeconfig", "write_cluster_entries"]


@dataclass(frozen=True)
class UpdateResult:
    """What was (or, in a dry run, would be) written where."""

    path: Path
    cluster: EksCluster
    entries: KubeconfigEntries
    document: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def text(self) -> str:
        return dump_document(self.document)


def split_path(cluster_name: str, environ: Mapping[str, str] | None = None) -> Path:
    """``~/.kube/config.d/<cluster>``: one file per cluster."""
    env = os.environ if environ is None else environ
    home = env.get("HOME") or env.get("USERPROFILE")
    base = Path(home) if home else Path.home()
    return base / ".kube" / "config.d" / cluster_name


def write_cluster_entries(
    cluster: EksCluster,
    entries: KubeconfigEntries,
    path: Path,
    *,
    dry_run: bool = False,
) -> UpdateResult:
    """Merge ``entries`` into the file at ``path`` (absent: a new file) and write it."""
    existing = read_document(path)
    document, changes = merge_entries(existing or {}, entries, source=str(path))
    written_path = path
    if not dry_run:
        written_path = write_document(path, document)
    return UpdateResult(written_path, cluster, entries, document, changes, written=not dry_run)


def update_kubeconfig(
    name: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    alias: str | None = None,
    user_alias: str | None = None,
    shared_user: bool = False,
    kubeconfig: str | None = None,
    split: bool = False,
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
    command: str = EXEC_COMMAND,
) -> UpdateResult:
    """Describe EKS cluster ``name`` and write its entries, as ``aws eks update-kubeconfig`` does.

    The file: ``kubeconfig`` if given; with ``split``, ``~/.kube/config.d/<name>``;
    else the first ``KUBECONFIG`` file that already has the cluster, else the first one.
    """
    if role_arn:
        from eks_token.core.inputs import validate_role_arn

        validate_role_arn(role_arn)
    env = os.environ if environ is None else environ
    # As the AWS CLI: a profile from AWS_PROFILE is in use too, and the entry must name it.
    profile = profile or env.get("AWS_PROFILE") or None
    cluster = describe_cluster(name, region=region, profile=profile)
    entries = build_entries(
        cluster,
        profile=profile or None,
        role_arn=role_arn or None,
        alias=alias or None,
        user_alias=user_alias or None,
        shared_user=shared_user,
        command=command,
    )
    if kubeconfig:
        path = Path(kubeconfig).expanduser()
    elif split:
        path = split_path(cluster.name, environ)
    else:
        path = target_path(cluster.arn, None, environ)
    return write_cluster_entries(cluster, entries, path, dry_run=dry_run)
