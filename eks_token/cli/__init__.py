"""The ``eks-token`` command: a thin dispatcher that imports only the command it runs."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

#: name -> (module under eks_token.cli, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "token": ("token_cmd", "print an ExecCredential for kubectl (aws-iam-authenticator flags)"),
    "get-token": ("get_token_cmd", "print an ExecCredential for kubectl (aws eks get-token flags)"),
}

#: Options the AWS CLI takes before its command; moved behind ours so that
#: ``aws --region R eks get-token ...`` converts by dropping ``eks``.
GLOBAL_OPTIONS_WITH_VALUE = ("--region", "--profile", "--output")
GLOBAL_FLAGS = ("-v", "--verbose")


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: eks-token COMMAND [OPTIONS]",
        "",
        "EKS IAM authentication tokens: a kubectl exec plugin, a verifier and more.",
        "",
        "commands:",
        *(f"  {name.ljust(width)}  {summary}" for name, (_, summary) in COMMANDS.items()),
        "",
        "Run 'eks-token COMMAND --help' for a command's options.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    leading: list[str] = []
    while args and args[0] not in COMMANDS:
        head = args[0]
        if head in GLOBAL_FLAGS:
            leading.append(args.pop(0))
        elif head in GLOBAL_OPTIONS_WITH_VALUE and len(args) > 1:
            leading.extend(args[:2])
            del args[:2]
        elif any(head.startswith(opt + "=") for opt in GLOBAL_OPTIONS_WITH_VALUE):
            leading.append(args.pop(0))
        else:
            break
    if not args or args[0] in ("-h", "--help", "help"):
        stream = sys.stdout if args else sys.stderr
        print(usage(), file=stream)
        return 0 if args else 2
    if args[0] == "--version":
        from .. import __version__

        print(f"eks-token {__version__}")
        return 0
    name = args.pop(0)
    entry = COMMANDS.get(name)
    if entry is None:
        print(
            f"error: unknown command {name!r}; run 'eks-token --help' for the list",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(f".{entry[0]}", __name__)
    status: int = module.run(args + leading)
    return status
