"""What every command shares: one-line errors, exit codes, verbose output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from eks_token.errors import EksTokenError, UsageError
from eks_token.redact import redact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

__all__ = [
    "DISTRIBUTION",
    "EXIT_ERROR",
    "EXIT_USAGE",
    "Parser",
    "add_verbose",
    "error",
    "exit_status_help",
    "guarded",
    "install_clash",
    "warn",
]

EXIT_ERROR = 1
EXIT_USAGE = 2


def exit_status_help(success: str = "success", failure: str | None = None) -> str:
    """The "exit status:" paragraph every command's help ends with: one scheme for the
    whole CLI (0 success, 1 failure, 2 usage error), with the command's own words for 0/1."""
    lines = ["exit status:", f"  0  {success}"]
    lines.append(
        f"  1  {failure}"
        if failure
        else "  1  failure: the command ran and could not do it (the reason is on stderr)"
    )
    lines.append("  2  usage error: an unknown, missing or conflicting option or argument")
    return "\n".join(lines)


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose``, which every command takes."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="explain on stderr (and show the details of an unexpected error)",
    )


class Parser(argparse.ArgumentParser):
    """argparse with the project's error format: one ``error:`` line, exit 2."""

    def error(self, message: str) -> NoReturn:
        # An unrecognized argument may be a token pasted twice: never echo one.
        print(f"error: {redact(message)} (see '{self.prog} --help')", file=sys.stderr)
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
    except UsageError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except EksTokenError as exc:
        return error(_one_line(str(exc)))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except ImportError as exc:
        clash = install_clash()
        if clash is not None:
            return error(clash)
        return _unexpected(exc, verbose)
    except Exception as exc:
        return _unexpected(exc, verbose)


def _unexpected(exc: Exception, verbose: bool) -> int:
    if verbose:
        import traceback

        print(redact(traceback.format_exc()), file=sys.stderr, end="")
    return error(f"unexpected {type(exc).__name__}; run with --verbose for details and report it")


#: Our distribution's name, as pip knows it (the import package is ``eks_token``).
DISTRIBUTION = "eks-iam-token"


def install_clash() -> str | None:
    """What to do when another distribution installed its own ``eks_token`` package over
    ours (PyPI's unrelated ``eks-token`` does), or None when none did. Reads the installed
    distributions' metadata, so it is called only after an ImportError."""
    import re
    from importlib import metadata

    for dist in metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.name or "").lower()
        if name == DISTRIBUTION:
            continue
        top_level = (dist.read_text("top_level.txt") or "").split()
        files = dist.files or []
        if "eks_token" in top_level or any(f.parts[:1] == ("eks_token",) for f in files):
            return (
                f"the package {name} {dist.version}, another project, installed its own "
                f"eks_token over {DISTRIBUTION}'s: run 'pip uninstall {name} {DISTRIBUTION}', "
                f"then install {DISTRIBUTION} again"
            )
    return None


def _one_line(message: str) -> str:
    return " ".join(message.split())


#: Set by ``eks-token completion`` to collect each command's parser instead of running it.
parser_hook: Callable[[argparse.ArgumentParser], None] | None = None


def parse(
    parser: Parser,
    argv: Sequence[str],
    advise: Callable[[list[str]], str | None] | None = None,
) -> argparse.Namespace:
    """The parsed options; ``advise`` turns unrecognized arguments into a hint for the
    usage error (what the user meant, such as the other command's spelling of a flag)."""
    if parser_hook is not None:
        parser_hook(parser)
    namespace, extras = parser.parse_known_args(list(argv))
    if extras:
        hint = advise(extras) if advise is not None else None
        parser.error(f"unrecognized arguments: {' '.join(extras)}" + (f"; {hint}" if hint else ""))
    return namespace
