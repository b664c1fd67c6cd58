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

from eks_token.cache.entry import FRESHNESS_MARGIN_SECONDS, key_text
from eks_token.cache.files import (
    cache_disabled,
    default_cache_dir,
    entry_name,
    open_cache_dir,
    read_entry,
)
from eks_token.cache.key import request_key
from eks_token.errors import CacheError, EksTokenError, OutputError
from eks_token.exec_plugin.exec_info import read_exec_info
from eks_token.exec_plugin.request import resolve_token_request
from eks_token.exec_plugin.stdout import write_stdout
from eks_token.exec_plugin.token_flags import TOKEN_VALUE_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from eks_token.cache.key import CacheKey
    from eks_token.exec_plugin.request import TokenRequest

__all__ = [
    "FastRequest",
    "cached_note",
    "exec_credential_line",
    "missed_key",
    "parse_request",
    "serve",
]

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
    """A resolved token request, plus how to print the answer."""

    __slots__ = ("api_version", "request", "token_only", "verbose")

    def __init__(
        self, request: TokenRequest, api_version: str, token_only: bool, verbose: bool
    ) -> None:
        self.request = request
        self.api_version = api_version
        self.token_only = token_only
        self.verbose = verbose

    def cache_key(self, environ: Mapping[str, str]) -> CacheKey:
        return request_key(self.request.cluster_id, self.request.options, environ=environ)


#: The request a miss was for and its key, for the full command to sign and store under
#: (the key is computed once per request).
_MISSED: list[tuple[TokenRequest, CacheKey]] = []


def missed_key(request: TokenRequest) -> CacheKey | None:
    """The key :func:`serve` computed for ``request`` before it missed, once; None when it
    computed none for that request."""
    found = _MISSED.pop() if _MISSED else None
    return found[1] if found is not None and found[0] == request else None


def serve(command: str, argv: Sequence[str], environ: Mapping[str, str], now: float) -> int | None:
    """Print the cached ExecCredential and return 0, or return None to run the full command."""
    _MISSED.clear()
    if cache_disabled(environ):
        return None
    request = parse_request(command, argv, environ)
    if request is None:
        return None
    key = request.cache_key(environ)
    _MISSED.append((request.request, key))  # for the full command, on a miss
    lines = key_text(key.material)
    try:
        dir_fd = open_cache_dir(default_cache_dir(environ))
    except (OSError, CacheError):
        return None
    try:
        entry = read_entry(dir_fd, entry_name(lines))
    finally:
        os.close(dir_fd)
    # Fresh: more than the margin left, and not signed ahead of this clock (an entry
    # written while the clock was ahead is refused by STS: signed again instead).
    if entry is None or not entry.fresh_for(lines, now, FRESHNESS_MARGIN_SECONDS):
        return None
    expiration = _timestamp(entry.expires)
    if request.token_only:
        answer = entry.token + "\n"
    else:
        answer = exec_credential_line(request.api_version, expiration, entry.token)
    try:
        write_stdout(answer)
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if request.verbose:
        print(cached_note(request.request.cluster_id, expiration), file=sys.stderr)
    return 0


def parse_request(
    command: str, argv: Sequence[str], environ: Mapping[str, str]
) -> FastRequest | None:
    """The request ``argv`` makes, resolved as the full command does; None when unsure."""
    syntax = _SYNTAX.get(command)
    found = _scan(argv, *syntax) if syntax else None
    if found is None or "no_cache" in found:
        return None
    if found.get("output", "json") != "json" and command == "get-token":
        return None  # --output text|table|yaml: formatted by the full command
    if "session_name" in found and "forward" in found:
        return None
    if command == "get-token":
        if "cluster_name" in found and "cluster_id" in found:
            return None
        if "cluster_name" in found:
            found["cluster_id"] = found.pop("cluster_name")
    # The full command's own reader: served only where it needs no warning.
    info = read_exec_info(environ)
    if info.warning is not None:
        return None
    try:
        request = resolve_token_request(
            command,
            environ=environ,
            exec_info=info,
            cluster_id=found.get("cluster_id"),
            region=found.get("region"),
            profile=found.get("profile"),
            role_arn=found.get("role_arn"),
            external_id=found.get("external_id"),
            session_name=found.get("session_name"),
            forward_session_name="forward" in found,
        )
    except EksTokenError:
        return None  # the full command says what is wrong
    return FastRequest(request, info.api_version, "token_only" in found, "verbose" in found)


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
