"""A context's exec entry as kubectl will run it: the checks kubectl makes before it starts
the plugin, and what it hands the plugin.

kubectl refuses an entry whose ``apiVersion`` is not ``client.authentication.k8s.io/v1`` or
``v1beta1`` (v1alpha1 was removed in 1.24: "invalid apiVersion"), needs ``interactiveMode``
(Never, IfAvailable or Always) unless the entry is v1beta1 (which defaults to IfAvailable),
and resolves ``command`` through its own ``PATH`` (refusing a match relative to the working
directory: ``.``, an empty or a relative entry of PATH), except that a command with a slash
is a path, relative to the directory of the kubeconfig file that defines the user. A user
with a static credential beside ``exec`` never runs it (``model.kubectl_credential``). The
plugin sees kubectl's environment, the entry's ``env`` over it, and ``KUBERNETES_EXEC_INFO`` last.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from eks_token.errors import ContextEntryError
from eks_token.exec_plugin.exec_info import API_V1, API_V1ALPHA1, API_V1BETA1, EXEC_INFO_VARIABLE
from eks_token.kubeconfig.model import ContextView, ExecEntry

__all__ = [
    "INTERACTIVE_MODES",
    "KubectlExec",
    "check_exec_entry",
    "ensure_kubectl_can_run",
    "exec_info_json",
    "look_path",
    "plugin_environment",
    "resolve_command",
    "running_eks_token_directory",
    "stdin_is_terminal",
]

INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
_STATIC_NAMES = {
    "token": "static token",
    "tokenFile": "token file",
    "client-certificate": "client certificate",
    "basic": "username and password",
}
MIGRATE_FIX = "run 'eks-token kubeconfig migrate'"
_Refuse = Callable[[str, str], ContextEntryError]


@dataclass(frozen=True)
class KubectlExec:
    """An exec entry that passed kubectl's checks, with its command resolved as kubectl does."""

    entry: ExecEntry = field(repr=False)
    #: The executable kubectl would start (absolute).
    executable: str
    api_version: str
    #: Never, IfAvailable or Always (v1beta1's default filled in).
    interactive_mode: str
    #: Whether kubectl would hand the plugin its stdin (and say ``spec.interactive: true``).
    interactive: bool

    @property
    def argv(self) -> list[str]:
        return [self.executable, *self.entry.args]

    def to_dict(self) -> dict[str, object]:
        return {
            "command": self.entry.command,
            "executable": self.executable,
            "args": list(self.entry.args),
            "api_version": self.api_version,
            "interactive_mode": self.interactive_mode,
            "interactive": self.interactive,
            "provide_cluster_info": self.entry.provide_cluster_info,
            "env_names": sorted(self.entry.env),
        }


def check_exec_entry(
    view: ContextView, environ: Mapping[str, str] | None = None, *, stdin_is_terminal: bool = False
) -> KubectlExec:
    """The context's exec entry as kubectl would run it; ContextEntryError where kubectl
    would refuse it, with kubectl's words and the fix."""
    env = os.environ if environ is None else environ
    where = str(view.user.source or view.source)
    entry = view.user.exec
    user = view.user.name

    def refuse(problem: str, fix: str) -> ContextEntryError:
        return ContextEntryError(f"user {user!r}: {problem}", path=where, fix=fix)

    if view.user.refused:
        raise refuse(
            f"kubectl refuses the user: {view.user.refused}",
            f"keep one way to authenticate in user {user!r} of {where} (for eks-token: exec alone)",
        )
    if entry is None:
        raise refuse(
            "has no exec entry",
            "run 'eks-token kubeconfig --name CLUSTER' or point the user's exec entry at "
            "'eks-token token -i CLUSTER'",
        )
    version = entry.api_version
    if version == API_V1ALPHA1:
        raise refuse(
            f"kubectl refuses the exec entry: invalid apiVersion {version!r} (removed in "
            "kubectl 1.24)",
            f"{MIGRATE_FIX} (it moves the entry to eks-token and {API_V1BETA1}); changing "
            "'command:' alone is not enough",
        )
    if version not in (API_V1, API_V1BETA1):
        raise refuse(
            "kubectl refuses the exec entry: "
            + (f"invalid apiVersion {version!r}" if version else "apiVersion must be specified"),
            f"set the exec entry's apiVersion: {API_V1} (with interactiveMode) or {API_V1BETA1}",
        )
    mode = entry.interactive_mode
    if mode is None:
        if version != API_V1BETA1:
            raise refuse(
                "kubectl refuses the exec entry: interactiveMode must be specified for "
                f"{version} entries",
                "add 'interactiveMode: Never' to the exec entry (IfAvailable if the plugin may "
                "prompt, e.g. for MFA)",
            )
        mode = "IfAvailable"
    if mode not in INTERACTIVE_MODES:
        raise refuse(
            f"kubectl refuses the exec entry: invalid interactiveMode {mode!r}",
            "set interactiveMode to one of " + ", ".join(INTERACTIVE_MODES),
        )
    if view.user.static_keys:
        raise refuse(
            f"kubectl never runs the exec entry: it sends the user's "
            f"{_STATIC_NAMES[view.user.credential]} ({', '.join(view.user.static_keys)}) instead",
            f"remove {', '.join(view.user.static_keys)} from user {user!r} in {where} "
            "(a static credential comes before exec)",
        )
    if mode == "Always" and not stdin_is_terminal:
        raise refuse(
            "exec plugin cannot support interactive mode: standard input is not a terminal "
            "(interactiveMode: Always)",
            "run kubectl from a terminal, or set interactiveMode: IfAvailable",
        )
    executable = resolve_command(entry.command, view, env, refuse)
    return KubectlExec(
        entry=entry,
        executable=executable,
        api_version=version,
        interactive_mode=mode,
        interactive=mode != "Never" and stdin_is_terminal,
    )


def ensure_kubectl_can_run(view: ContextView, environ: Mapping[str, str] | None = None) -> None:
    """What ``whoami`` and ``can-i`` check before signing: an exec entry kubectl would refuse
    or could not start raises ContextEntryError (a user kubectl authenticates with a bearer
    token or token file passes: that is what is sent)."""
    if not view.user.refused and view.user.credential in ("token", "tokenFile"):
        return
    check_exec_entry(view, environ, stdin_is_terminal=stdin_is_terminal())


def stdin_is_terminal() -> bool:
    """Whether kubectl, run here, would find a terminal on stdin."""
    import sys

    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except (ValueError, OSError):
        return False


def resolve_command(
    command: str,
    view: ContextView,
    environ: Mapping[str, str],
    refuse: _Refuse,
) -> str:
    """The executable kubectl starts: a path when ``command`` has a slash (relative to the
    kubeconfig file of the user), otherwise the first match on kubectl's own ``PATH``."""
    if not command:
        raise refuse("command must be specified", "set the exec entry's command")
    has_slash = "/" in command or (os.sep != "/" and os.sep in command)
    if has_slash:
        path = Path(command)
        if not path.is_absolute():
            base = (view.user.source or view.source).parent
            path = base / path
        if not path.is_file():
            raise refuse(
                f"kubectl cannot start {command!r}: {path} does not exist",
                f"install the command there, or {MIGRATE_FIX} to run eks-token",
            )
        if not os.access(path, os.X_OK):
            raise refuse(
                f"kubectl cannot start {command!r}: {path} is not executable",
                f"chmod +x {path}",
            )
        return str(path)
    found, relative = look_path(command, environ)
    if found is None:
        raise refuse(
            f"kubectl cannot start {command!r}: executable {command} not found on PATH",
            _not_found_fix(command),
        )
    if relative:
        raise refuse(
            f"kubectl cannot start {command!r}: executable {command} not found (kubectl's "
            f"lookup found {found}, relative to the working directory, and refuses it)",
            "replace '.', empty or relative entries of PATH with absolute directories, or "
            + _not_found_fix(command),
        )
    return found


def look_path(command: str, environ: Mapping[str, str]) -> tuple[str | None, bool]:
    """Where kubectl's lookup of ``command`` on ``environ``'s ``PATH`` ends (Go's
    ``exec.LookPath``): the first executable match, and whether that match is relative
    (an empty, ``.`` or relative entry of PATH), which kubectl refuses unless
    ``GODEBUG=execerrdot=0``. ``(None, False)`` when nothing matches."""
    search_path = environ.get("PATH", "")
    if os.name == "nt":
        found = shutil.which(command, path=search_path)
        relative = found is not None and not os.path.isabs(found)
    else:
        found = None
        relative = False
        for directory in search_path.split(os.pathsep) if search_path else []:
            candidate = os.path.normpath(os.path.join(directory or ".", command))
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                found, relative = candidate, not os.path.isabs(candidate)
                break
    if found is None:
        return None, False
    if relative and _relative_lookups_allowed(environ):
        return str(Path(found).absolute()), False
    return (found if relative else str(Path(found).absolute())), relative


def _relative_lookups_allowed(environ: Mapping[str, str]) -> bool:
    setting = ""
    for item in environ.get("GODEBUG", "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "execerrdot":
            setting = value
    return setting == "0"


def _not_found_fix(command: str) -> str:
    from eks_token.kubeconfig.exec_args import command_tool

    tool = command_tool(command)
    if tool in ("heptio-authenticator-aws", "aws-iam-authenticator", "aws"):
        return f"{MIGRATE_FIX} to run eks-token instead, or install {command}"
    if tool == "eks-token":
        here = running_eks_token_directory()
        on_path = (
            f'add {here} to PATH (export PATH="{here}:$PATH")'
            if here
            else "add the directory eks-token is installed in to PATH"
        )
        return (
            f"{on_path}, or write its absolute path into the entry: "
            "'eks-token kubeconfig migrate --command-path absolute'"
        )
    return f"install {command} or put its directory on PATH"


def running_eks_token_directory() -> str | None:
    """The directory of the ``eks-token`` script beside this interpreter, if there is one."""
    import sys

    directory = Path(sys.executable).parent
    for name in ("eks-token", "eks-token.exe"):
        if (directory / name).is_file():
            return str(directory)
    return None


def exec_info_json(view: ContextView, checked: KubectlExec) -> str:
    """``KUBERNETES_EXEC_INFO`` as kubectl writes it for this entry."""
    spec: dict[str, object] = {}
    if checked.entry.provide_cluster_info:
        cluster = view.cluster
        info: dict[str, object] = {"server": cluster.server}
        if cluster.tls_server_name:
            info["tls-server-name"] = cluster.tls_server_name
        if cluster.insecure_skip_tls_verify:
            info["insecure-skip-tls-verify"] = True
        if cluster.certificate_authority_data:
            ca = base64.b64encode(cluster.certificate_authority_data).decode("ascii")
            info["certificate-authority-data"] = ca
        info["config"] = cluster.exec_extension
        spec["cluster"] = info
    spec["interactive"] = checked.interactive
    document = {"kind": "ExecCredential", "apiVersion": checked.api_version, "spec": spec}
    # kubectl writes the JSON encoder's output, newline included.
    return json.dumps(document, separators=(",", ":")) + "\n"


def plugin_environment(
    view: ContextView, checked: KubectlExec, environ: Mapping[str, str]
) -> dict[str, str]:
    """kubectl's environment, the entry's env over it, then ``KUBERNETES_EXEC_INFO``."""
    return {**environ, **checked.entry.env, EXEC_INFO_VARIABLE: exec_info_json(view, checked)}
