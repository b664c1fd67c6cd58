"""Running the installed ``eks-token`` command as kubectl would: a real child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["BIN_DIR", "EKS_TOKEN", "assert_clean_failure", "run_cli"]

BIN_DIR = Path(sys.executable).parent
EKS_TOKEN = BIN_DIR / "eks-token"


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


def assert_clean_failure(
    result: subprocess.CompletedProcess[str],
    *,
    status: int,
    mentions: str,
    secrets: tuple[str, ...] = (),
) -> None:
    """One ``error:`` line naming the problem, the exit status, nothing on stdout, no secret."""
    assert result.returncode == status, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert mentions in lines[0]
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr
