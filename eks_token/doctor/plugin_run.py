"""Run a context's exec plugin exactly as kubectl runs it, and read the ExecCredential it prints.

The command, its arguments, the environment (kubectl's, the entry's ``env`` over it,
``KUBERNETES_EXEC_INFO`` last), stdin only when kubectl would pass it (interactiveMode),
stdout read as the ExecCredential. What the plugin writes to stderr is kept for the
report with every secret redacted; the token itself is never shown.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from eks_token.clock import parse_rfc3339
from eks_token.errors import EksTokenError, ExecPluginError
from eks_token.kubeconfig.exec_check import KubectlExec, plugin_environment
from eks_token.kubeconfig.model import ContextView
from eks_token.redact import redact as redact_text

__all__ = ["PluginCredential", "read_exec_credential", "redact", "run_exec_plugin"]

_STDERR_LIMIT = 2000
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSPHRASE|CREDENTIAL", re.IGNORECASE)
_PATTERNS = (
    (re.compile(r"k8s-aws-v1\.[A-Za-z0-9_\-]+"), "k8s-aws-v1.<redacted>"),
    (re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+"), r"\1<redacted>"),
    (
        re.compile(r"(?i)(x-amz-(?:security-token|signature|credential)=)[^&\s\"']+"),
        r"\1<redacted>",
    ),
    (
        re.compile(
            r"(?i)((?:aws_)?(?:secret_access_key|session_token|security_token)|secretaccesskey"
            r"|sessiontoken|\"token\")(\"?\s*[:=]\s*\"?)[^\s\"',}]+"
        ),
        r"\1\2<redacted>",
    ),
)


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
    secrets = secret_values(env)
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
        stderr = redact(_text(exc.stderr), secrets)
        raise ExecPluginError(
            f"{checked.entry.command} did not finish within {timeout:g}s", stderr=stderr
        ) from exc
    except OSError as exc:
        raise ExecPluginError(
            f"{checked.executable} cannot be started: {exc.strerror or type(exc).__name__}"
        ) from exc
    stdout = _text(completed.stdout)
    stderr = redact(_text(completed.stderr), (*secrets, *_token_in(stdout)))
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


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """Values of variables whose names say they are secrets (long enough to be worth hiding)."""
    return tuple(
        value
        for name, value in env.items()
        if _SECRET_NAME.search(name) and len(value) >= 8 and name != "KUBERNETES_EXEC_INFO"
    )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without tokens, bearer tokens, signatures, session tokens or secret keys; the
    last lines only when it is long."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<redacted>")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    # and every form the rest of eks-token hides (debug logs' headers, STS's XML, ...)
    text = redact_text(text).strip()
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
