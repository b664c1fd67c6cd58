"""Run a context's exec plugin exactly as kubectl runs it, and read the ExecCredential it prints.

The command, its arguments, the environment (kubectl's, the entry's ``env`` over it,
``KUBERNETES_EXEC_INFO`` last), stdin only when kubectl would pass it (interactiveMode),
stdout read as the ExecCredential. What the plugin writes to stderr is kept for the
report with every secret redacted; the token itself is never shown.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from eks_token.clock import parse_rfc3339
from eks_token.errors import EksTokenError, ExecPluginError
from eks_token.kubeconfig.exec_check import KubectlExec, plugin_environment
from eks_token.kubeconfig.model import ContextView
from eks_token.redact import redact, remember_environment_secrets, remember_secret

__all__ = ["PluginCredential", "read_exec_credential", "run_exec_plugin"]

_STDERR_LIMIT = 2000


@dataclass(frozen=True)
class PluginCredential:
    """What the plugin printed, checked as kubectl checks it."""

    token: str = field(repr=False)
    expiration: datetime | None
    api_version: str
    #: Redacted stderr of a successful run (warnings the plugin printed), or "".
    stderr: str = ""


def run_exec_plugin(
    view: ContextView,
    checked: KubectlExec,
    environ: Mapping[str, str],
    *,
    timeout: float,
) -> PluginCredential:
    """Start the plugin as kubectl would; ExecPluginError (secret-free) when kubectl would
    fail on what it does or prints."""
    env = plugin_environment(view, checked, environ)
    # The plugin's secrets are this process's too: hidden in its stderr and everywhere else.
    remember_environment_secrets(env)
    try:
        completed = subprocess.run(
            checked.argv,
            env=env,
            stdin=None if checked.interactive else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = _shown_stderr(_text(exc.stderr))
        raise ExecPluginError(
            f"{checked.entry.command} did not finish within {timeout:g}s", stderr=stderr
        ) from exc
    except OSError as exc:
        raise ExecPluginError(
            f"{checked.executable} cannot be started: {exc.strerror or type(exc).__name__}"
        ) from exc
    stdout = _text(completed.stdout)
    for token in _token_in(stdout):
        remember_secret(token)
    stderr = _shown_stderr(_text(completed.stderr))
    if completed.returncode != 0:
        raise ExecPluginError(
            f"{checked.entry.command} failed with exit code {completed.returncode}",
            exit_code=completed.returncode,
            stderr=stderr,
        )
    try:
        credential = read_exec_credential(stdout, checked.api_version)
    except ExecPluginError as exc:
        raise ExecPluginError(exc.message, exit_code=0, stderr=stderr) from exc
    return PluginCredential(credential.token, credential.expiration, credential.api_version, stderr)


def read_exec_credential(stdout: str, api_version: str) -> PluginCredential:
    """The ExecCredential on stdout, as kubectl reads it; ExecPluginError naming what is wrong
    (never the token)."""
    from eks_token.exec_plugin.exec_info import parse_json

    try:
        document = parse_json(stdout)
    except ValueError as exc:
        size = len(stdout.strip())
        what = "nothing" if not size else f"{size} characters that are not JSON"
        raise ExecPluginError(
            f"the plugin printed {what} on stdout; kubectl needs one ExecCredential JSON object"
        ) from exc
    if not isinstance(document, dict):
        raise ExecPluginError("the plugin printed JSON that is not an ExecCredential object")
    answered = document.get("apiVersion")
    if answered != api_version:
        raise ExecPluginError(
            f"the exec entry asks for {api_version}, the plugin returned {answered!r}: kubectl "
            "rejects the reply"
        )
    status = document.get("status")
    if not isinstance(status, dict):
        raise ExecPluginError("the plugin's ExecCredential has no status field")
    token = status.get("token")
    if not isinstance(token, str) or not token:
        raise ExecPluginError("the plugin's ExecCredential has no status.token")
    expiration: datetime | None = None
    raw = status.get("expirationTimestamp")
    if raw is not None:
        try:
            expiration = parse_rfc3339(str(raw))
        except EksTokenError as exc:
            raise ExecPluginError(
                f"status.expirationTimestamp {str(raw)[:40]!r} is not an RFC 3339 time "
                "(kubectl cannot parse it)"
            ) from exc
    return PluginCredential(token, expiration, api_version)


def _shown_stderr(text: str) -> str:
    """The plugin's stderr as the report shows it: redacted as another program's output
    (before it is cut, so no part of a secret survives the cut); the last lines only
    when it is long."""
    text = redact(text, program_output=True).strip()
    if len(text) > _STDERR_LIMIT:
        text = "..." + text[-_STDERR_LIMIT:]
    return text


def _token_in(stdout: str) -> tuple[str, ...]:
    match = re.search(r"\"token\"\s*:\s*\"([^\"]+)\"", stdout)
    return (match.group(1),) if match else ()


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", "replace")
