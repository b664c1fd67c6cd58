"""What the hostile-input tests share: reading a served token, and running the CLI safely."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from eks_token.core.token import decode_token
from tests.support.cli import EKS_TOKEN, served_token

__all__ = ["TokenFacts", "run_eks_token", "served_token", "token_facts"]


class TokenFacts:
    """The parts of a token that say whose it is and where it goes."""

    def __init__(self, token: str) -> None:
        url = urlsplit(decode_token(token))
        query = parse_qs(url.query)
        credential = query["X-Amz-Credential"][0].split("/")
        self.host = url.netloc
        self.access_key_id = credential[0]
        self.region = credential[2]
        self.date = query["X-Amz-Date"][0]

    def __repr__(self) -> str:
        return f"TokenFacts({self.host!r}, {self.access_key_id!r}, {self.region!r})"

    def where(self) -> tuple[str, str, str]:
        return self.host, self.access_key_id, self.region


def token_facts(token: str) -> TokenFacts:
    return TokenFacts(token)


def run_eks_token(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``eks-token ARGS`` in a child process that cannot outlive ``timeout``."""
    return subprocess.run(
        [str(EKS_TOKEN), *args],
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
        cwd=cwd,
        preexec_fn=preexec_fn,
    )


PYTHON = sys.executable
