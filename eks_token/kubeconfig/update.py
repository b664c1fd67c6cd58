"""``update-kubeconfig`` for eks-token: describe the cluster, merge its entries, write."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eks_token.aws.eks import EksCluster, describe_cluster, validate_cluster_name
from eks_token.errors import InvalidInputError
from eks_token.kubeconfig.entries import EXEC_COMMAND, KubeconfigEntries, build_entries
from eks_token.kubeconfig.files import parse_document, read_text
from eks_token.kubeconfig.lock import DEFAULT_LOCK_TIMEOUT
from eks_token.kubeconfig.splice import SplicedText, splice_entries
from eks_token.kubeconfig.writer import target_path, update_file, writable_target

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
    #: The file's new text: the old bytes with only our entries changed, where possible.
    text: str = ""
    warnings: list[str] = field(default_factory=list)
    #: True when the file had to be rewritten whole instead of edited in place.
    rewritten: bool = False


def split_path(cluster_name: str, environ: Mapping[str, str] | None = None) -> Path:
    """``~/.kube/config.d/<cluster>``: one file per cluster (the name is checked first)."""
    validate_cluster_name(cluster_name)
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
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    on_wait: Callable[[Path], None] | None = None,
) -> UpdateResult:
    """Merge ``entries`` into the file at ``path`` (absent: a new file) and write it.

    The file is read again and merged under kubectl's lock, so entries written
    meanwhile by others are kept. Only the bytes of our entries and of
    ``current-context`` change; a file laid out in a way this cannot edit in
    place is rewritten whole (with a warning when it held comments).
    """
    spliced: list[SplicedText] = []

    def merge(text: str | None) -> str:
        document = None if text is None else parse_document(text, path)
        spliced.append(splice_entries(text, document, entries, str(path)))
        return spliced[-1].text

    if dry_run:
        merge(read_text(writable_target(path)))
        written_path = path
    else:
        written_path = update_file(path, merge, lock_timeout=lock_timeout, on_wait=on_wait)
    result = spliced[-1]
    warnings = []
    if result.comments_lost:
        warnings.append(
            f"{written_path} was rewritten whole (its layout cannot be edited in place); "
            "its comments were not kept"
        )
    return UpdateResult(
        written_path,
        cluster,
        entries,
        result.document,
        result.changes,
        written=not dry_run,
        text=result.text,
        warnings=warnings,
        rewritten=result.rewritten,
    )


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
    proxy_url: str | None = None,
    assume_role_arn: str | None = None,
    environ: Mapping[str, str] | None = None,
    command: str = EXEC_COMMAND,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    on_wait: Callable[[Path], None] | None = None,
) -> UpdateResult:
    """Describe EKS cluster ``name`` and write its entries, as ``aws eks update-kubeconfig`` does.

    The file: ``kubeconfig`` if given; with ``split``, ``~/.kube/config.d/<name>``;
    else the first ``KUBECONFIG`` file that already has the cluster, else the first one.
    ``proxy_url`` is written as the cluster's ``proxy-url``; ``assume_role_arn`` is
    assumed only to call DescribeCluster and is not written anywhere.
    """
    from eks_token.core.inputs import validate_role_arn

    validate_cluster_name(name)
    if role_arn:
        validate_role_arn(role_arn)
    if assume_role_arn:
        validate_role_arn(assume_role_arn)
    if proxy_url is not None:
        _validate_proxy_url(proxy_url)
    env = os.environ if environ is None else environ
    # As the AWS CLI: a profile from AWS_PROFILE is in use too, and the entry must name it.
    profile = profile or env.get("AWS_PROFILE") or None
    cluster = describe_cluster(
        name, region=region, profile=profile, assume_role_arn=assume_role_arn or None
    )
    entries = build_entries(
        cluster,
        profile=profile or None,
        role_arn=role_arn or None,
        alias=alias or None,
        user_alias=user_alias or None,
        shared_user=shared_user,
        command=command,
    )
    if proxy_url is not None:
        entries.cluster["cluster"]["proxy-url"] = proxy_url
    if kubeconfig:
        path = Path(kubeconfig).expanduser()
    elif split:
        path = split_path(cluster.name, environ)
    else:
        path = target_path(cluster.arn, None, environ)
    return write_cluster_entries(
        cluster, entries, path, dry_run=dry_run, lock_timeout=lock_timeout, on_wait=on_wait
    )


def _validate_proxy_url(url: str) -> None:
    """kubectl takes http, https and socks5 proxies with a host."""
    from urllib.parse import urlsplit

    valid = url.isascii() and url.isprintable() and " " not in url
    try:
        parts = urlsplit(url)
        valid = valid and bool(parts.hostname) and parts.scheme in ("http", "https", "socks5")
        valid = valid and (parts.port is None or parts.port > 0)
    except ValueError:
        valid = False
    if not valid:
        raise InvalidInputError(
            f"{url!r} is not a proxy URL such as http://proxy.example:3128 "
            "(schemes: http, https, socks5)",
            option="proxy_url",
        )
