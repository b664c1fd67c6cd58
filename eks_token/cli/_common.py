"""What every command shares: one-line errors, exit codes, verbose output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from eks_token.errors import EksTokenError
from eks_token.redact import redact

__all__ = ["EXIT_ERROR", "EXIT_USAGE", "Parser", "error", "guarded", "warn"]

EXIT_ERROR = 1
EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse with the project's error format: one ``error:`` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def new_parser(prog: str, description: str, epilog: str) -> Parser:
    return Parser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def error(message: str) -> int:
    print(f"error: {redact(message)}", file=sys.stderr)
    return EXIT_ERROR


def warn(message: str) -> None:
    print(f"warning: {redact(message)}", file=sys.stderr)


def guarded(action: Callable[[], int], *, verbose: bool = False) -> int:
    """Run ``action``; our errors become one ``error:`` line and exit 1."""
    try:
        return action()
    except EksTokenError as exc:
        return error(_one_line(str(exc)))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if verbose:
            import traceback

            print(redact(traceback.format_exc()), file=sys.stderr, end="")
        return error(
            f"unexpected {type(exc).__name__}; run with --verbose for details and report it"
        )


def _one_line(message: str) -> str:
    return " ".join(message.split())


def parse(parser: Parser, argv: Sequence[str]) -> argparse.Namespace:
    return parser.parse_args(list(argv))
