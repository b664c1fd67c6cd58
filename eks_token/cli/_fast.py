"""The cache-hit path of ``token`` and ``get-token``: answer kubectl from the token cache
without loading argparse, json, datetime or botocore.

It reads the common command lines only. Anything else (help, an unknown or
abbreviated option, something to warn about, a miss) returns None and the full
command runs. An entry is served only for the exact key the full command
stored it under, so what this prints is what the full command would print.
"""

from __future__ import annotations

import os
import sys

from eks_token.cache.entry import key_text
from eks_token.cache.files import (
    FRESHNESS_MARGIN_SECONDS,
    cache_disabled,
    default_cache_dir,
    entry_name,
    open_cache_dir,
    read_entry,
)
from eks_token.cache.key import token_cache_key
from eks_token.errors import CacheError, ExecInfoError
from eks_token.exec_plugin.exec_info import read_exec_info
from eks_token.exec_plugin.token_flags import TOKEN_VALUE_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["FastRequest", "cached_note", "exec_credential_line", "parse_request", "serve"]

#: option -> field, for options that take a value, and for flags.
_COMMON_VALUES = {"--region": "region", "--profile": "profile", "--output": "output"}
_COMMON_FLAGS = {
    "-v": "verbose",
    "--verbose": "verbose",
    "--cache": "cache",
    "--no-cache": "no_cache",
}
_SYNTAX: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "token": (
        {**_COMMON_VALUES, **TOKEN_VALUE_OPTIONS},
        {**_COMMON_FLAGS, "--forward-session-name": "forward", "--token-only": "token_only"},
    ),
    "get-token": (
        {
            **_COMMON_VALUES,
            "--cluster-name": "cluster_name",
            "--cluster-id": "cluster_id",
            "--role-arn": "role_arn",
        },
        _COMMON_FLAGS,
    ),
}


class FastRequest:
    """A token request as the full command would resolve it, plus how to print the answer."""

    __slots__ = ("api_version", "fields", "token_only", "verbose")

    def __init__(
        self, fields: dict[str, str | None], api_version: str, token_only: bool, verbose: bool
    ) -> None:
        #: cluster_id, region, profile, role_arn, external_id, session_name, forward.
        self.fields = fields
        self.api_version = api_version
        self.token_only = token_only
        self.verbose = verbose

    def cache_key(self, environ: Mapping[str, str]) -> dict[str, str]:
        f = self.fields
        return token_cache_key(
            f["cluster_id"] or "",
            region=f["region"],
            profile=f["profile"],
            role_arn=f["role_arn"],
            external_id=f["external_id"],
            session_name=f["session_name"],
            forward_session_name=f["forward"] is not None,
            environ=environ,
        )


def serve(command: str, argv: Sequence[str], environ: Mapping[str, str], now: float) -> int | None:
    """Print the cached ExecCredential and return 0, or return None to run the full command."""
    if cache_disabled(environ):
        return None
    request = parse_request(command, argv, environ)
    if request is None:
        return None
    lines = key_text(request.cache_key(environ))
    try:
        dir_fd = open_cache_dir(default_cache_dir(environ))
    except (OSError, CacheError):
        return None
    try:
        entry = read_entry(dir_fd, entry_name(lines))
    finally:
        os.close(dir_fd)
    if entry is None or not entry.fresh_for(lines, now, FRESHNESS_MARGIN_SECONDS):
        return None
    expiration = _timestamp(entry.expires)
    if request.token_only:
        sys.stdout.write(entry.token + "\n")
    else:
        sys.stdout.write(exec_credential_line(request.api_version, expiration, entry.token))
    sys.stdout.flush()
    if request.verbose:
        print(cached_note(request.fields["cluster_id"] or "", expiration), file=sys.stderr)
    return 0


def parse_request(
    command: str, argv: Sequence[str], environ: Mapping[str, str]
) -> FastRequest | None:
    """The request ``argv`` makes, resolved as the full command does; None when unsure."""
    syntax = _SYNTAX.get(command)
    found = _scan(argv, *syntax) if syntax else None
    if found is None or "no_cache" in found:
        return None
    if "session_name" in found and "forward" in found:
        return None
    if command == "token":
        cluster_id = found.get("cluster_id")
        if cluster_id is None:
            cluster_id = environ.get("KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID") or None
        role_arn = found.get("role_arn") or environ.get("DEFAULT_ROLE") or None
    else:
        if "cluster_name" in found and "cluster_id" in found:
            return None
        cluster_id = found.get("cluster_name", found.get("cluster_id"))
        role_arn = found.get("role_arn")
    # The full command's own reader: served only where it needs no warning.
    info = read_exec_info(environ)
    if info.warning is not None:
        return None
    region = found.get("region")
    if cluster_id is None and info.cluster is not None:
        # As eks_token.cli._exec.resolve_request reads the cluster's exec extension.
        try:
            cluster_id = info.cluster.cluster_id()
            region = region or info.cluster.region()
        except ExecInfoError:
            return None
    if not cluster_id or not all("!" <= c <= "~" for c in cluster_id):
        return None  # the full command refuses it (validate_cluster_id)
    fields = {
        "cluster_id": cluster_id,
        "region": region or None,
        "profile": found.get("profile") or None,
        "role_arn": role_arn or None,
        "external_id": found.get("external_id") or None,
        "session_name": found.get("session_name") or None,
        "forward": found.get("forward"),
    }
    return FastRequest(fields, info.api_version, "token_only" in found, "verbose" in found)


def _scan(
    argv: Sequence[str], values: dict[str, str], flags: dict[str, str]
) -> dict[str, str] | None:
    """Options as argparse would read them (flags map to ""), or None for anything else."""
    found: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, equals, value = arg.partition("=")
        if arg in flags:
            found[flags[arg]] = ""
            i += 1
        elif equals and name.startswith("--") and name in values:
            found[values[name]] = value
            i += 1
        elif arg in values and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            found[values[arg]] = argv[i + 1]
            i += 2
        else:
            return None
    return found


def exec_credential_line(api_version: str, expiration: str, token: str) -> str:
    """What ``Token.exec_credential_json`` prints, for values that need no JSON escaping."""
    return (
        f'{{"kind":"ExecCredential","apiVersion":"{api_version}","spec":{{}},'
        f'"status":{{"expirationTimestamp":"{expiration}","token":"{token}"}}}}\n'
    )


def cached_note(cluster_id: str, expiration: str) -> str:
    return f"eks-token: token for cluster {cluster_id!r} from the cache (expires {expiration})"


def _timestamp(epoch: int) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
