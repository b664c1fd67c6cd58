"""The ``eks-token`` command: a thin dispatcher that imports only the command it runs."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

#: name -> (module under eks_token.cli, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "token": ("token_cmd", "print an ExecCredential for kubectl (aws-iam-authenticator flags)"),
    "get-token": ("get_token_cmd", "print an ExecCredential for kubectl (aws eks get-token flags)"),
    "decode": ("decode_cmd", "show what a token holds and which of the cluster's rules it breaks"),
    "verify": ("verify_cmd", "verify a token as the cluster does (static rules, then STS)"),
    "map": ("map_cmd", "map an identity to its Kubernetes user (access entries, aws-auth)"),
    "whoami": ("whoami_cmd", "ask the cluster who the context's identity is"),
    "can-i": ("can_i_cmd", "ask the cluster whether the context's identity may do something"),
    "doctor": ("doctor_cmd", "find the first broken link from kubeconfig to RBAC"),
    "kubeconfig": ("kubeconfig_cmd", "write EKS kubeconfig entries; 'kubeconfig migrate' old ones"),
    "cache": ("cache_cmd", "list or clear the cached tokens of the exec-plugin commands"),
    "completion": ("completion_cmd", "print a shell completion script (bash, zsh, fish)"),
    "version": ("version_cmd", "print the versions of eks-token, Python and botocore"),
}

#: Options the AWS CLI takes before its command; moved behind ours so that
#: ``aws --region R eks get-token ...`` converts by dropping ``eks``.
GLOBAL_OPTIONS_WITH_VALUE = (
    "--region",
    "--profile",
    "--output",
    "--query",
    "--ca-bundle",
    "--cli-connect-timeout",
    "--cli-read-timeout",
    "--color",
)
GLOBAL_FLAGS = ("-v", "--verbose", "--debug", "--no-verify-ssl", "--no-cli-pager")


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
        "Run 'eks-token help COMMAND' (or 'eks-token COMMAND --help') for a command's options.",
        "",
        "exit status: 0 success, 1 failure, 2 usage error (the same for every command).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    if sys.stdout is None:
        # Started with stdout closed (``>&-``): nothing could be printed.
        print("error: standard output is closed; nothing can be printed", file=sys.stderr)
        return 1
    from eks_token.errors import OutputError
    from eks_token.exec_plugin.stdout import guard_stdout

    guard_stdout()
    try:
        status = _dispatch(list(sys.argv[1:] if argv is None else argv))
    except OutputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ImportError:
        from eks_token.cli._common import install_clash

        clash = install_clash()
        if clash is None:
            raise
        print(f"error: {clash}", file=sys.stderr)
        return 1
    return _flushed(status)


def _flushed(status: int) -> int:
    """Flush stdout now, so a full disk or closed pipe is one error line and exit 1."""
    try:
        sys.stdout.flush()
    except Exception as exc:  # the guarded stream's OutputError
        print(f"error: {exc}", file=sys.stderr)
        return status or 1
    return status


def _unknown_command(name: str) -> str:
    """The error for a command that is not ours, with the nearest one when it is a typo."""
    import difflib

    close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown command {name!r}{hint}; run 'eks-token --help' for the list"


def _eks_advice(command: str | None) -> str:
    """What to type instead of ``eks-token eks COMMAND`` (an ``aws eks`` command line)."""
    if command == "update-kubeconfig":
        return (
            "'eks update-kubeconfig' is 'eks-token kubeconfig' here: "
            "eks-token kubeconfig --name CLUSTER [--region REGION]"
        )
    said = f"'eks {command}'" if command else "'eks'"
    return (
        f"{said} is not an eks-token command: eks-token takes 'eks get-token ...' "
        "(as aws does) and 'eks-token kubeconfig' for update-kubeconfig; "
        "run 'eks-token --help' for the list"
    )


def _dispatch(args: list[str]) -> int:
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
    if args and args[0] == "eks":
        # ``aws eks get-token ...`` typed with eks-token in front of it: drop ``eks``.
        if len(args) > 1 and args[1] == "get-token":
            del args[0]
        else:
            print(f"error: {_eks_advice(args[1] if len(args) > 1 else None)}", file=sys.stderr)
            return 2
    if len(args) > 1 and args[0] == "help" and args[1] != "help":
        # ``eks-token help CMD`` is ``eks-token CMD --help``.
        if args[1] not in COMMANDS:
            print(f"error: {_unknown_command(args[1])}", file=sys.stderr)
            return 2
        args = [args[1], "--help"]
    if not args or args[0] in ("-h", "--help", "help"):
        stream = sys.stdout if args else sys.stderr
        print(usage(), file=stream)
        return 0 if args else 2
    if args[0] == "--version":
        from eks_token import __version__

        print(f"eks-token {__version__}")
        return 0
    name = args.pop(0)
    if name in ("token", "get-token"):
        # kubectl runs one of these for every command: answer from the cache
        # before importing anything the full command needs.
        import time

        from eks_token.cli._fast import serve

        # The AWS CLI reads its global options wherever they stand, the last one winning:
        # `--profile a get-token ... --profile b` is b. Those in front go first here.
        served = serve(name, leading + args, os.environ, time.time())
        if served is not None:
            return served
        # A miss loads botocore: tens of thousands of objects, no garbage cycles worth
        # collecting in a process that lives a fraction of a second. Collecting
        # during the imports costs about a tenth of the start-up.
        import gc

        gc.disable()
    entry = COMMANDS.get(name)
    if entry is None:
        print(f"error: {_unknown_command(name)}", file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(f"eks_token.cli.{entry[0]}")
    # (token and get-token take no positional argument: the options in front come first,
    # so a later repetition wins, as with the AWS CLI; other commands keep theirs last)
    status: int = module.run(leading + args if name in ("token", "get-token") else args + leading)
    return status
