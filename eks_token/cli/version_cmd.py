"""``eks-token version``: what ``--version`` prints, plus the Python and botocore versions."""

from __future__ import annotations

import platform
from collections.abc import Sequence

from eks_token.cli._common import add_verbose, exit_status_help, guarded, new_parser, parse

__all__ = ["run", "version_lines"]

DESCRIPTION = """\
Print the eks-token version (the line 'eks-token --version' prints), then the
versions of Python and botocore it runs with: what a bug report needs.
aws-iam-authenticator users know this command as 'version'."""

EPILOG = """\
examples:
  eks-token version
  eks-token --version

""" + exit_status_help("the versions were printed")


def version_lines() -> list[str]:
    """``eks-token X``, ``Python X (implementation)``, ``botocore X`` (read, not imported)."""
    from importlib import metadata

    from eks_token import __version__

    try:
        botocore = metadata.version("botocore")
    except metadata.PackageNotFoundError:
        botocore = "not installed"
    python = f"{platform.python_version()} ({platform.python_implementation()})"
    return [f"eks-token {__version__}", f"Python {python}", f"botocore {botocore}"]


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token version", DESCRIPTION, EPILOG)
    add_verbose(parser)
    args = parse(parser, argv)

    def action() -> int:
        print("\n".join(version_lines()))
        return 0

    return guarded(action, verbose=args.verbose)
