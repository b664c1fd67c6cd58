"""``eks-token cache``: list or clear the tokens the exec-plugin commands cached."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.cache.entry import FRESHNESS_MARGIN_SECONDS
from eks_token.cache.file_cache import FileTokenCache
from eks_token.cache.files import open_cache_dir
from eks_token.cli._common import add_verbose, exit_status_help, guarded, new_parser, parse, warn
from eks_token.clock import format_rfc3339, utc_now

if TYPE_CHECKING:
    from eks_token.cache.listing import CachedToken

__all__ = ["run"]

DESCRIPTION = f"""\
The token and get-token commands keep each token they sign in a cache
directory and print it again while more than {FRESHNESS_MARGIN_SECONDS // 60} minutes of its 14
remain, so that kubectl commands in a row start in milliseconds instead of loading
botocore. An entry is used only for the same cluster, region, role, profile,
AWS variables and AWS config and credentials files (by size and time).
A token signed with expiring credentials ends a minute before they do, and
its entry with it.

  list   cluster, signing region, role, profile and expiry of each entry
         (never the token itself); also what 'eks-token cache' alone does
  clear  remove every entry"""

EPILOG = """\
examples:
  eks-token cache
  eks-token cache list
  eks-token cache clear

environment:
  EKS_TOKEN_CACHE_DIR  the cache directory (default ~/.kube/cache/eks-token)
  EKS_TOKEN_NO_CACHE   set to 1 to turn the cache off (or pass --no-cache)

""" + exit_status_help("listed or cleared")

HEADINGS = ("CLUSTER", "REGION", "ROLE", "PROFILE", "EXPIRES", "STATUS")


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token cache", DESCRIPTION, EPILOG)
    add_verbose(parser)
    actions = parser.add_subparsers(dest="action", metavar="{list,clear}")
    for name, summary in (("list", "show the cached tokens"), ("clear", "remove them all")):
        action = actions.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=exit_status_help("listed" if name == "list" else "cleared"),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        action.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="explain on stderr",
        )
    args = parse(parser, argv)
    cache = FileTokenCache(on_problem=warn if args.verbose else None)
    if args.action == "clear":
        return guarded(lambda: _clear(cache), verbose=args.verbose)
    return guarded(lambda: _list(cache, utc_now()), verbose=args.verbose)


def _clear(cache: FileTokenCache) -> int:
    removed = cache.clear()
    noun = "token" if removed == 1 else "tokens"
    print(f"removed {removed} cached {noun} from {cache.directory}")
    return 0


def _list(cache: FileTokenCache, now: datetime) -> int:
    try:
        dir_fd = open_cache_dir(cache.directory)
    except FileNotFoundError:
        print(f"no cached tokens ({cache.directory} does not exist)")
        return 0
    os.close(dir_fd)
    rows = sorted(_row(summary, now) for summary in cache.summaries(now))
    if not rows:
        print(f"no cached tokens in {cache.directory}")
        return 0
    table = [HEADINGS, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADINGS))]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def _row(summary: CachedToken, now: datetime) -> tuple[str, str, str, str, str, str]:
    if summary.status == "fresh":
        status = f"fresh ({int(summary.time_left.total_seconds() // 60)} min left)"
    elif summary.status == "stale":
        status = "stale (signed again on next use)"
    elif summary.status == "future" and summary.signed is not None:
        ahead = int((summary.signed - now).total_seconds() // 60)
        status = (
            f"from the future: signed {ahead} min ahead of this clock, which STS refuses "
            "(signed again on next use)"
        )
    else:
        status = summary.status
    if summary.cut_short:
        status += ", cut short: its credentials expire sooner"
    return (
        _shown(summary.cluster_id or "-"),
        _shown(summary.region or "?"),
        _shown(summary.role_arn or "-"),
        _shown(summary.profile or "-"),
        format_rfc3339(summary.expiration),
        status,
    )


def _shown(text: str) -> str:
    """``text`` with every character that is not printable (terminal escapes, other control
    characters, bidirectional overrides, lone surrogates) written as a Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
