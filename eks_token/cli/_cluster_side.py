"""Helpers shared by the cluster-side commands: reading a token, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys

from eks_token.errors import InvalidInputError, UsageError

__all__ = ["ONE_TOKEN", "add_token_rule_options", "print_json", "read_token"]

#: The hint for more arguments than the one token decode and verify take.
ONE_TOKEN = "give one token (or - to read it from stdin)"


def add_token_rule_options(parser: argparse.ArgumentParser) -> None:
    """``--partition`` and ``--extra-region``: which STS hosts the cluster's rules accept."""
    parser.add_argument(
        "--partition", default="aws", help="the cluster's AWS partition (default: aws)"
    )
    parser.add_argument(
        "--extra-region",
        action="append",
        default=[],
        metavar="REGION",
        help="also accept the STS hosts of this region (one newer than the installed "
        "endpoint data); repeatable",
    )


def read_token(argument: str | None) -> str:
    """The token from the argument, or from stdin when it is ``-`` or missing."""
    if argument is None or argument == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("give a token as an argument or on stdin ('-')")
        text = _read_stdin()
    else:
        text = argument
    from eks_token.core.token import unwrap_token

    if not text.strip():
        raise InvalidInputError("the token is empty")
    return unwrap_token(text)


def _read_stdin() -> str:
    """Stdin as text; bytes that are not UTF-8 become lone surrogates, as in argv."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin.read()
    data: bytes = buffer.read()
    return data.decode("utf-8", "surrogateescape")


def print_json(value: object) -> None:
    """``value`` as JSON on stdout, with every secret in it (a server's text may echo one)
    redacted."""
    from eks_token.redact import redact

    print(redact(json.dumps(value, indent=2, sort_keys=False)))
