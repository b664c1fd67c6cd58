"""Running the installed ``eks-token`` command as kubectl would: a real child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "AWS_CLI",
    "BIN_DIR",
    "EKS_TOKEN",
    "assert_clean_failure",
    "run_aws",
    "run_cli",
    "served_status",
    "served_token",
]

BIN_DIR = Path(sys.executable).parent
EKS_TOKEN = BIN_DIR / "eks-token"
#: The real AWS CLI (awscli, installed with the test extras), for comparisons.
AWS_CLI = BIN_DIR / "aws"


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    module: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``eks-token ARGS`` (or ``python -m eks_token ARGS``) with the test's environment."""
    command = [sys.executable, "-m", "eks_token"] if module else [str(EKS_TOKEN)]
    child_env = dict(os.environ if env is None else env)
    child_env.update(extra_env or {})
    return subprocess.run(
        [*command, *args],
        env=child_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def run_aws(
    *args: str, extra_env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``aws ARGS`` with the test's environment (plus ``extra_env``)."""
    return subprocess.run(
        [str(AWS_CLI), *args],
        env={**os.environ, **(extra_env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def assert_clean_failure(
    result: subprocess.CompletedProcess[str],
    *,
    status: int | tuple[int, ...],
    mentions: str | tuple[str, ...] = (),
    secrets: tuple[str, ...] = (),
) -> None:
    """One ``error:`` line naming the problem (every one of ``mentions``), the exit status (or
    one of ``status``), nothing on stdout, no traceback, no secret."""
    statuses = (status,) if isinstance(status, int) else status
    assert result.returncode in statuses, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for words in (mentions,) if isinstance(mentions, str) else mentions:
        assert words in lines[0], f"{words!r} missing from: {lines[0]}"
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr


def served_status(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The status of the ExecCredential a successful run printed (``aws eks get-token``'s too)."""
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["kind"] == "ExecCredential", reply
    status: dict[str, str] = reply["status"]
    return status


def served_token(result: subprocess.CompletedProcess[str]) -> str:
    """The token of the ExecCredential a successful run printed."""
    token = served_status(result)["token"]
    assert isinstance(token, str), result.stdout
    return token
