"""What an exec entry runs, when it runs one of the EKS token tools.

Recognises eks-token, aws-iam-authenticator, heptio-authenticator-aws and
``aws eks get-token``; anything else is None. Arguments that are not
understood are kept in ``unknown_args`` rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from eks_token.core.options import SignerOptions
from eks_token.exec_plugin.request import from_environment
from eks_token.exec_plugin.token_flags import TOKEN_VALUE_OPTIONS
from eks_token.kubeconfig.model import ExecEntry

__all__ = ["TOOLS", "ExecInvocation", "Tool", "parse_exec_invocation"]

Tool = Literal["eks-token", "aws-iam-authenticator", "heptio-authenticator-aws", "aws"]
Form = Literal["token", "get-token"]
TOOLS: tuple[Tool, ...] = ("eks-token", "aws-iam-authenticator", "heptio-authenticator-aws", "aws")

# option -> field it sets; None: accepted and dropped (it cannot change the token)
_TOKEN_OPTIONS: dict[str, str | None] = {**TOKEN_VALUE_OPTIONS, "--region": "region"}
_GET_TOKEN_OPTIONS: dict[str, str | None] = {
    "--cluster-name": "cluster_id",
    "--cluster-id": "cluster_id",
    "--role-arn": "role_arn",
    "--region": "region",
}
_GLOBAL_OPTIONS: dict[str, str | None] = {"--region": "region", "--profile": "profile"}
#: AWS CLI global options that cannot change the token (``--debug`` only adds logging;
#: eks-token always verifies TLS and ignores the AWS CLI's timeouts): dropped on migration.
_AWS_DROPPED_OPTIONS = (
    "--output",
    "--color",
    "--cli-binary-format",
    "--cli-connect-timeout",
    "--cli-read-timeout",
)
_AWS_DROPPED_FLAGS = (
    "--no-cli-pager",
    "--no-paginate",
    "--no-cli-auto-prompt",
    "--debug",
    "--no-verify-ssl",
)
#: The AWS CLI global options ``eks-token get-token`` itself takes (before or after the
#: command); an eks-token entry keeps its arguments as they are.
_EKS_TOKEN_AWS_OPTIONS = dict.fromkeys(
    ("--color", "--cli-connect-timeout", "--cli-read-timeout", "--ca-bundle", "--query")
)
_EKS_TOKEN_AWS_FLAGS = ("--debug", "--no-verify-ssl", "--no-cli-pager")


@dataclass
class ExecInvocation:
    """The token request an exec entry makes, tool-independently."""

    tool: Tool
    cluster_id: str | None = None
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str | None = None
    forward_session_name: bool = False
    api_version: str = ""
    form: Form = "token"
    unknown_args: list[str] = field(default_factory=list)
    #: True when the profile came from ``--profile`` (False: from the entry's AWS_PROFILE).
    profile_in_args: bool = False
    #: eks-token's ``--no-cache``: sign every time, never through the token cache.
    no_cache: bool = False

    @property
    def profile_argument(self) -> str | None:
        """The profile handed to the signer: a ``--profile`` argument only. The entry's
        ``AWS_PROFILE`` stays in its environment, where the environment's keys come first
        (as for the plugin: botocore skips them only for a profile given explicitly)."""
        return self.profile if self.profile_in_args else None

    def signer_options(self) -> SignerOptions:
        """The signer options the entry's arguments give (checked: may raise InvalidInputError)."""
        return SignerOptions(
            region=self.region,
            profile=self.profile_argument,
            role_arn=self.role_arn,
            external_id=self.external_id,
            session_name=self.session_name,
            forward_session_name=self.forward_session_name,
        )

    def to_eks_token_args(self) -> list[str]:
        """The equivalent ``eks-token`` arguments (the entry's env is kept as it is)."""
        uses_token_only_flags = bool(
            self.external_id or self.session_name or self.forward_session_name
        )
        args: list[str]
        if self.form == "get-token" and not uses_token_only_flags:
            args = ["get-token"]
            if self.cluster_id is not None:
                args += ["--cluster-name", self.cluster_id]
            if self.region:
                args += ["--region", self.region]
            if self.role_arn:
                args += ["--role-arn", self.role_arn]
        else:
            args = ["token"]
            if self.cluster_id is not None:
                args += ["-i", self.cluster_id]
            if self.region:
                args += ["--region", self.region]
            if self.role_arn:
                args += ["-r", self.role_arn]
            if self.external_id:
                args += ["-e", self.external_id]
            if self.session_name:
                args += ["-s", self.session_name]
            if self.forward_session_name:
                args.append("--forward-session-name")
        if self.profile and self.profile_in_args:
            args += ["--profile", self.profile]
        if self.no_cache:
            args.append("--no-cache")
        return args


def command_tool(command: str) -> Tool | None:
    """Which tool a command runs, by its basename (any directory, optional ``.exe``)."""
    base = command.replace("\\", "/").rsplit("/", 1)[-1]
    if base.lower().endswith(".exe"):
        base = base[:-4]
    for tool in TOOLS:
        if base == tool:
            return tool
    return None


def parse_exec_invocation(entry: ExecEntry) -> ExecInvocation | None:
    """The invocation ``entry`` makes, or None when it runs none of the known tools."""
    tool = command_tool(entry.command)
    if tool is None:
        return None
    found = ExecInvocation(tool=tool, api_version=entry.api_version)
    if tool == "aws":
        _parse_aws(entry.args, found)
    elif tool == "eks-token":
        _parse_eks_token(entry.args, found)
    else:
        _parse_authenticator(entry.args, found)
    _fill_from_env(entry.env, found)
    return found


def _fill_from_env(env: Mapping[str, str], found: ExecInvocation) -> None:
    if found.profile is None and env.get("AWS_PROFILE"):
        found.profile = env["AWS_PROFILE"]
    found.cluster_id, found.role_arn = from_environment(
        found.form, env, cluster_id=found.cluster_id, role_arn=found.role_arn
    )


class _Reader:
    """Walks an argument list: ``--opt value``, ``--opt=value`` and flags."""

    def __init__(self, args: list[str], found: ExecInvocation) -> None:
        self.args = args
        self.index = 0
        self.found = found

    def done(self) -> bool:
        return self.index >= len(self.args)

    def peek(self) -> str:
        return self.args[self.index]

    def take_option(self, options: Mapping[str, str | None]) -> bool:
        """Consume one known option with its value; False if the next arg is not one."""
        arg = self.peek()
        name, eq, inline = arg.partition("=")
        if name not in options:
            return False
        if eq:
            value = inline
            self.index += 1
        elif self.index + 1 < len(self.args):
            value = self.args[self.index + 1]
            self.index += 2
        else:
            self.found.unknown_args.append(arg)
            self.index += 1
            return True
        target = options[name]
        if target is not None:
            setattr(self.found, target, value)
            if target == "profile":
                self.found.profile_in_args = True
        return True

    def take_flag(self, flags: tuple[str, ...], action: Callable[[], None] | None = None) -> bool:
        if self.peek() not in flags:
            return False
        self.index += 1
        if action is not None:
            action()
        return True

    def skip_unknown(self) -> None:
        self.found.unknown_args.append(self.peek())
        self.index += 1


def _set_forward(found: ExecInvocation) -> Callable[[], None]:
    def action() -> None:
        found.forward_session_name = True

    return action


def _set_no_cache(found: ExecInvocation) -> Callable[[], None]:
    def action() -> None:
        found.no_cache = True

    return action


def _parse_authenticator(args: list[str], found: ExecInvocation) -> None:
    """``[global flags] token [flags]`` of aws-iam-authenticator / heptio-authenticator-aws."""
    reader = _Reader(args, found)
    seen_command = False
    while not reader.done():
        if not seen_command and reader.peek() == "token":
            seen_command = True
            reader.index += 1
        elif not (
            reader.take_option(_TOKEN_OPTIONS)
            or reader.take_flag(("--forward-session-name",), _set_forward(found))
            # aws-iam-authenticator's credential cache; eks-token caches tokens by default.
            or reader.take_flag(("--cache",))
        ):
            reader.skip_unknown()
    if not seen_command:
        found.unknown_args.insert(0, "(no 'token' command)")


def _parse_eks_token(args: list[str], found: ExecInvocation) -> None:
    """``[global options] token|get-token [options]``."""
    reader = _Reader(args, found)
    command: str | None = None
    while not reader.done():
        arg = reader.peek()
        if command is None and arg in ("token", "get-token"):
            command = arg
            found.form = "get-token" if arg == "get-token" else "token"
            reader.index += 1
            continue
        options = _GET_TOKEN_OPTIONS if command == "get-token" else _TOKEN_OPTIONS
        if reader.take_option({**_GLOBAL_OPTIONS, **options, "--output": None}):
            continue
        if command == "token" and reader.take_flag(
            ("--forward-session-name",), _set_forward(found)
        ):
            continue
        if reader.take_flag(("-v", "--verbose", "--cache")):
            continue
        if command != "token" and (
            reader.take_option(_EKS_TOKEN_AWS_OPTIONS) or reader.take_flag(_EKS_TOKEN_AWS_FLAGS)
        ):
            continue
        if reader.take_flag(("--no-cache",), _set_no_cache(found)):
            continue
        reader.skip_unknown()
    if command is None:
        found.unknown_args.insert(0, "(no 'token' or 'get-token' command)")


def _parse_aws(args: list[str], found: ExecInvocation) -> None:
    """``aws [global options] eks get-token [options]``; global options may come anywhere."""
    found.form = "get-token"
    reader = _Reader(args, found)
    words: list[str] = []
    options = {
        **_GLOBAL_OPTIONS,
        **_GET_TOKEN_OPTIONS,
        **dict.fromkeys(_AWS_DROPPED_OPTIONS),
    }
    while not reader.done():
        arg = reader.peek()
        if not arg.startswith("-") and len(words) < 2:
            words.append(arg)
            reader.index += 1
        elif reader.take_option(options) or reader.take_flag(_AWS_DROPPED_FLAGS):
            continue
        else:
            reader.skip_unknown()
    if words != ["eks", "get-token"]:
        found.unknown_args.insert(0, f"(not 'eks get-token': {' '.join(words) or 'nothing'})")
