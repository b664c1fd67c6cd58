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


#: What the doctor reads of a plugin's stdout. kubectl reads it all; an ExecCredential is a
#: few kilobytes, so more than this is a plugin gone wrong, and reading on would only cost memory.
STDOUT_LIMIT = 1 << 20
#: The end of the plugin's stderr that is kept (the report shows less).
_STDERR_KEPT = 64 << 10
_CHUNK = 64 << 10


@dataclass
class _Ran:
    returncode: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    overflow: bool = False
    timed_out: bool = False


def run_exec_plugin(
    view: ContextView,
    checked: KubectlExec,
    environ: Mapping[str, str],
    *,
    timeout: float,
) -> PluginCredential:
    """Start the plugin as kubectl would; ExecPluginError (secret-free) when kubectl would
    fail on what it does or prints. At most :data:`STDOUT_LIMIT` of its stdout is read."""
    env = plugin_environment(view, checked, environ)
    # The plugin's secrets are this process's too: hidden in its stderr and everywhere else.
    remember_environment_secrets(env)
    try:
        ran = _run_capped(checked.argv, env, interactive=checked.interactive, timeout=timeout)
    except OSError as exc:
        raise ExecPluginError(
            f"{checked.executable} cannot be started: {exc.strerror or type(exc).__name__}"
        ) from exc
    stdout = _text(ran.stdout)
    for token in _token_in(stdout):
        remember_secret(token)
    stderr = _shown_stderr(_text(ran.stderr))
    if ran.timed_out:
        raise ExecPluginError(
            f"{checked.entry.command} did not finish within {timeout:g}s", stderr=stderr
        )
    if ran.overflow:
        raise ExecPluginError(
            f"{checked.entry.command} printed more than {STDOUT_LIMIT >> 20} MiB on stdout; the "
            "doctor stopped it there (an ExecCredential is a few kilobytes: the plugin prints "
            "something else)",
            stderr=stderr,
        )
    if ran.returncode != 0:
        raise ExecPluginError(
            f"{checked.entry.command} failed with exit code {ran.returncode}",
            exit_code=ran.returncode,
            stderr=stderr,
        )
    try:
        credential = read_exec_credential(ran.stdout, checked.api_version)
    except ExecPluginError as exc:
        raise ExecPluginError(exc.message, exit_code=0, stderr=stderr) from exc
    return PluginCredential(credential.token, credential.expiration, credential.api_version, stderr)


def _run_capped(
    argv: list[str], env: Mapping[str, str], *, interactive: bool, timeout: float
) -> _Ran:
    """Run ``argv``; keep at most STDOUT_LIMIT (+1 byte) of stdout, stopping the process when
    it prints more, and the last _STDERR_KEPT bytes of stderr."""
    import threading
    import time
    from typing import IO

    ran = _Ran()
    process = subprocess.Popen(
        argv,
        env=dict(env),
        stdin=None if interactive else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None

    def read_stdout(stream: IO[bytes]) -> None:
        chunks: list[bytes] = []
        size = 0
        while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
            chunks.append(chunk)
            size += len(chunk)
            if size > STDOUT_LIMIT:
                ran.overflow = True
                process.kill()
                break
        ran.stdout = b"".join(chunks)[: STDOUT_LIMIT + 1]

    def read_stderr(stream: IO[bytes]) -> None:
        kept = bytearray()
        while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
            kept += chunk
            if len(kept) > 2 * _STDERR_KEPT:
                del kept[:-_STDERR_KEPT]
        ran.stderr = bytes(kept[-_STDERR_KEPT:])

    readers = [
        threading.Thread(target=read_stdout, args=(process.stdout,), daemon=True),
        threading.Thread(target=read_stderr, args=(process.stderr,), daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + timeout
    try:
        ran.returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        ran.timed_out = True
        process.kill()
        process.wait()
    for reader, stream in zip(readers, (process.stdout, process.stderr), strict=True):
        # A child the plugin left behind may hold the pipes open: do not wait for it (its
        # reader is left to end with it; closing a stream a thread reads would block).
        reader.join(timeout=max(1.0, deadline - time.monotonic()))
        if not reader.is_alive():
            stream.close()
    return ran


def read_exec_credential(stdout: str | bytes, api_version: str) -> PluginCredential:
    """The ExecCredential on stdout, as kubectl reads it; ExecPluginError naming what is wrong
    (never the token).

    kubectl reads stdout as JSON when it starts (after white space) with ``{``, otherwise
    as YAML: a byte order mark (UTF-8 or UTF-16) and a YAML ExecCredential are accepted.
    The ``kind``, when given, must be ExecCredential; ``apiVersion`` must be the entry's.
    """
    import json

    import yaml

    from eks_token.kubeconfig.yaml_compat import load_first_document, yaml_text

    data = stdout.encode("utf-8", "surrogateescape") if isinstance(stdout, str) else stdout
    text = data.decode("utf-8", "replace")
    size = len(text.strip())

    def not_json() -> ExecPluginError:
        what = "nothing" if not size else f"{size} characters that are not JSON"
        return ExecPluginError(
            f"the plugin printed {what} on stdout; kubectl needs one ExecCredential JSON object"
        )

    document: object
    try:
        if text.lstrip().startswith("{"):
            document = json.loads(text, parse_constant=_no_constant)
        else:
            document = load_first_document(yaml_text(data))
            if not isinstance(document, dict):
                raise not_json()
    except (ValueError, RecursionError, yaml.YAMLError) as exc:
        raise not_json() from exc
    if not isinstance(document, dict):
        raise ExecPluginError("the plugin printed JSON that is not an ExecCredential object")
    kind = document.get("kind")
    if kind not in (None, "", "ExecCredential"):
        raise ExecPluginError(
            f"the plugin returned kind {str(kind)[:40]!r}: kubectl accepts only ExecCredential"
        )
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


def _no_constant(name: str) -> object:
    # Go's JSON decoder has no NaN or Infinity.
    raise ValueError(f"{name} is not JSON")
