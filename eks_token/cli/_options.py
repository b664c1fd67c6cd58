"""Options of the exec-plugin commands beyond the token request: the AWS CLI's global
options and output formats for ``get-token``, and the checks that make a usage error
(exit 2) out of a command line that cannot work.

Nothing here runs on the cache-hit path: ``eks_token.cli._fast`` sends every command
line with these options to the full command.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import datetime

from eks_token.aws.timeouts import CONNECT_TIMEOUT_VARIABLE, READ_TIMEOUT_VARIABLE, parse_timeout
from eks_token.errors import InvalidInputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "OUTPUT_FORMATS",
    "add_aws_cli_options",
    "apply_aws_cli_options",
    "compile_query",
    "render_output",
    "warn_if_expired",
]

#: ``--output`` values: the AWS CLI's (yaml is AWS CLI v2's). json, text and yaml print what
#: the AWS CLI prints; table is a plain key/value table, not the AWS CLI's layout.
OUTPUT_FORMATS = ("json", "text", "table", "yaml")

#: AWS CLI global options that change nothing here, with why.
_NOT_APPLIED = {
    "no_verify_ssl": "--no-verify-ssl (TLS is always verified; use --ca-bundle)",
    "no_cli_pager": "--no-cli-pager (there is no pager)",
    "color": "--color (the output has no colour)",
}


#: AWS CLI option -> the variable our botocore sessions read it from.
_TIMEOUTS = (
    ("cli_connect_timeout", CONNECT_TIMEOUT_VARIABLE),
    ("cli_read_timeout", READ_TIMEOUT_VARIABLE),
)


def add_aws_cli_options(parser: argparse.ArgumentParser) -> None:
    """``--query``, ``--output`` and the AWS CLI's global options, as ``aws eks get-token``
    takes them (before or after the command)."""
    group = parser.add_argument_group(
        "AWS CLI options",
        "Taken as `aws eks get-token` takes them. Signing makes no network call; only an\n"
        "assumed role (--role-arn) calls STS, and --ca-bundle applies to that call.\n"
        "The others are accepted and change nothing (a note says so under --verbose).",
    )
    group.add_argument(
        "--query",
        metavar="JMESPATH",
        help="print only this part of the ExecCredential (e.g. status.token)",
    )
    group.add_argument(
        "--output",
        choices=OUTPUT_FORMATS,
        metavar="{json,text,table,yaml}",
        help="format of --query's result, or of the ExecCredential for text, table and "
        "yaml (default json; table is a plain key/value table, not the AWS CLI's layout; "
        "~/.aws/config's output is never read: kubectl needs JSON)",
    )
    group.add_argument("--debug", action="store_true", help="the same as --verbose")
    group.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="CA certificates for the AssumeRole call (as AWS_CA_BUNDLE)",
    )
    group.add_argument("--no-verify-ssl", action="store_true", help="accepted; not applied")
    group.add_argument(
        "--cli-connect-timeout",
        metavar="SECONDS",
        help="connect timeout of the AssumeRole call (0: wait as long as it takes)",
    )
    group.add_argument(
        "--cli-read-timeout",
        metavar="SECONDS",
        help="read timeout of the AssumeRole call (0: wait as long as it takes)",
    )
    group.add_argument("--no-cli-pager", action="store_true", help="accepted; no pager is used")
    group.add_argument("--color", metavar="{on,off,auto}", help="accepted; no colour is used")


def apply_aws_cli_options(args: argparse.Namespace) -> bool:
    """Apply what applies (``--ca-bundle``); return whether to be verbose (``--debug``)."""
    verbose = bool(args.verbose or args.debug)
    if args.ca_bundle:
        if not os.path.isfile(args.ca_bundle):
            raise InvalidInputError(f"--ca-bundle {args.ca_bundle}: no such file")
        # botocore reads it for every client it makes: here, the AssumeRole call.
        os.environ["AWS_CA_BUNDLE"] = args.ca_bundle
    # botocore takes these from the session's default client config (aws/session.py).
    for option, variable in _TIMEOUTS:
        value = getattr(args, option)
        if value is not None:
            os.environ[variable] = str(parse_timeout(value, "--" + option.replace("_", "-")))
    unused = [text for name, text in _NOT_APPLIED.items() if getattr(args, name)]
    if verbose and unused:
        print(f"eks-token: accepted and not applied: {', '.join(unused)}", file=sys.stderr)
    return verbose


def compile_query(expression: str | None) -> Any:
    """The compiled JMESPath expression (jmespath is imported only here), or None."""
    if expression is None:
        return None
    import jmespath
    from jmespath.exceptions import JMESPathError

    too_deep = InvalidInputError(
        f"--query is nested more than {QUERY_DEPTH_LIMIT} levels deep; write a shallower "
        "expression",
        option="query",
    )
    try:
        compiled = jmespath.compile(expression)
    except JMESPathError as exc:
        first = " ".join(str(exc).split())
        message = f"--query {expression!r} is not a JMESPath expression: {first}"
        raise InvalidInputError(message, option="query") from None
    except RecursionError:
        raise too_deep from None
    # Evaluating walks the expression's tree recursively: bound its depth here, once.
    if _tree_depth(compiled.parsed) > QUERY_DEPTH_LIMIT:
        raise too_deep
    return compiled


#: How deeply a --query expression may nest (the AWS CLI's own queries nest a few levels).
QUERY_DEPTH_LIMIT = 100


def _tree_depth(node: Any) -> int:
    """The depth of a parsed JMESPath expression (nodes are dicts with ``children``),
    measured without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(current, Mapping):
            children = current.get("children") or ()
            stack.extend((child, depth + 1) for child in children if isinstance(child, Mapping))
    return deepest


def render_output(credential: Mapping[str, Any], query: Any, output: str | None) -> str:
    """The text the AWS CLI prints for ``credential`` with ``--query``/``--output``."""
    value: Any = credential if query is None else query.search(dict(credential))
    fmt = output or "json"
    if fmt == "json":
        import json

        # As the AWS CLI: an empty object prints nothing.
        return "" if value == {} else json.dumps(value, indent=4, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        import yaml

        text: str = yaml.safe_dump(value, default_flow_style=False, sort_keys=False)
        return text.removesuffix("...\n")
    if fmt == "table":
        return _table(value)
    lines: list[str] = []
    _text(value, lines, None, None)
    return "".join(line + "\n" for line in lines)


def warn_if_expired(expiration: datetime, now: datetime, warn: Any) -> None:
    """Warn when a ``--signing-time`` token is already past its expiration."""
    from eks_token.clock import format_rfc3339

    if expiration <= now:
        warn(
            f"the token expired at {format_rfc3339(expiration)} (14 minutes after "
            "--signing-time): clients will not use it and clusters reject it from "
            "15 minutes after the signing time"
        )


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (dict, list))


def _text(value: Any, lines: list[str], name: str | None, columns: list[str] | None) -> None:
    """The AWS CLI's text output: scalars tab-separated, nested values under their key."""
    if isinstance(value, dict):
        if columns is None:
            scalars = [str(v) for k, v in sorted(value.items()) if _is_scalar(v)]
            nested = [(k, v) for k, v in sorted(value.items()) if not _is_scalar(v)]
        else:
            scalars = [str(value.get(k, "")) for k in columns]
            nested = [(k, value[k]) for k in sorted(set(value) - set(columns))]
        if scalars:
            lines.append("\t".join(([name.upper()] if name else []) + scalars))
        for key, item in nested:
            _text(item, lines, key, None)
    elif isinstance(value, list):
        if any(isinstance(item, dict) for item in value):
            keys = sorted(
                {k for d in value if isinstance(d, dict) for k, v in d.items() if _is_scalar(v)}
            )
            for item in value:
                _text(item, lines, name, keys)
            return
        scalars = [item for item in value if _is_scalar(item)]
        if scalars and name:
            lines.extend(f"{name.upper()}\t{item}" for item in scalars)
        elif scalars:
            lines.append("\t".join(str(item) for item in scalars))
        for item in value:
            if not _is_scalar(item):
                _text(item, lines, name, None)
    else:
        lines.append(str(value))


def _table(value: Any) -> str:
    """A plain table: one row per key (nested values under their key), or the scalar."""
    rows: list[tuple[str, str]] = []

    def walk(item: Any, prefix: str) -> None:
        if isinstance(item, dict):
            for key, sub in item.items():
                walk(sub, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(item, list):
            for index, sub in enumerate(item):
                walk(sub, f"{prefix}[{index}]")
        else:
            rows.append((prefix, str(item)))

    walk(value, "")
    if len(rows) == 1 and not rows[0][0]:
        rows = [("value", rows[0][1])]
    left = max((len(k) for k, _ in rows), default=0)
    right = max((len(v) for _, v in rows), default=0)
    rule = f"+-{'-' * left}-+-{'-' * right}-+"
    body = [f"| {k.ljust(left)} | {v.ljust(right)} |" for k, v in rows]
    return "\n".join([rule, *body, rule]) + "\n"
