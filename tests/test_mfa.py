"""MFA role profiles under kubectl: the code is asked on the terminal (never on stdout) and sent
to STS; with no terminal, or when kubectl says it passed none, one clear error and no noise.

The CLI runs as a real child process: on a pseudo-terminal (its controlling terminal, as when
kubectl passes its terminal through) with stdout captured apart, or in a new session with
stdin on /dev/null (CI, k9s). STS is a local stand-in that records the SerialNumber and
TokenCode it was sent (moto's STS accepts any code and keeps neither).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from eks_token.clock import utc_now
from eks_token.core.token import decode_token
from tests.credential_sources import ASSUMED_ACCESS_KEY_ID, RoleSts, add_profile
from tests.support.aws_env import AwsEnv
from tests.support.cli import EKS_TOKEN, assert_clean_failure

SERIAL = "arn:aws:iam::111122223333:mfa/alice"
ROLE = "arn:aws:iam::111122223333:role/eks-admins"
PROMPT = f"Enter MFA code for {SERIAL}: "
ARGS = ("token", "-i", "my-cluster", "--profile", "admin")
NOT_INTERACTIVE = json.dumps(
    {"apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": False}}
)
INTERACTIVE = json.dumps(
    {"apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": True}}
)


@pytest.fixture
def sts(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[RoleSts]:
    """A role profile `admin` with mfa_serial whose source profile `base` holds the keys."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("EKS_TOKEN_CACHE_DIR", str(aws_env.home / "token-cache"))
    aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.credentials_file.write_text(
        f"[base]\naws_access_key_id = {aws_env.access_key_id}\n"
        f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    )
    add_profile(
        aws_env,
        "admin",
        role_arn=ROLE,
        source_profile="base",
        mfa_serial=SERIAL,
        region="us-west-2",
    )
    with RoleSts(utc_now() + timedelta(hours=1)) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
        yield server


def on_terminal(
    args: tuple[str, ...], stdout: Path, *, answer: str | None, env: Mapping[str, str] | None = None
) -> tuple[int, str]:
    """Run eks-token with a pseudo-terminal as its controlling terminal, stdin and stderr, and
    stdout into `stdout`; type `answer` when the MFA prompt shows. Returns the exit status and
    everything the terminal showed."""
    child_env = dict(os.environ)
    child_env.update(env or {})
    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - the child execs at once
        try:
            fd = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.execve(str(EKS_TOKEN), [str(EKS_TOKEN), *args], child_env)
        finally:
            os._exit(127)
    shown = b""
    answered = False
    deadline = time.monotonic() + 60
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"eks-token hung; the terminal showed {shown!r}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if answer is not None and not answered and PROMPT.encode() in shown:
                os.write(master, answer.encode() + b"\n")
                answered = True
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(master)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


def without_terminal(
    *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run eks-token as CI or k9s do: a new session (no controlling terminal), stdin empty."""
    child_env = dict(os.environ)
    child_env.update(env or {})
    return subprocess.run(
        [str(EKS_TOKEN), *args],
        env=child_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("exec_info", [None, INTERACTIVE], ids=["no-exec-info", "interactive"])
def test_the_code_is_asked_on_the_terminal_and_sent_to_sts(
    sts: RoleSts, tmp_path: Path, exec_info: str | None
) -> None:
    stdout = tmp_path / "stdout"
    env = {"KUBERNETES_EXEC_INFO": exec_info} if exec_info else {}
    status, shown = on_terminal(ARGS, stdout, answer="123456", env=env)
    assert status == 0, shown
    assert PROMPT in shown
    printed = stdout.read_text()
    assert "MFA" not in printed
    credential = json.loads(printed)
    assert credential["kind"] == "ExecCredential"
    url = decode_token(credential["status"]["token"])
    assert f"X-Amz-Credential={ASSUMED_ACCESS_KEY_ID}" in url
    [call] = sts.calls()
    assert (call["Action"], call["RoleArn"]) == ("AssumeRole", ROLE)
    assert (call["SerialNumber"], call["TokenCode"]) == (SERIAL, "123456")
    assert "Warning" not in shown
    assert "error" not in shown


def test_without_a_terminal_one_error_says_how_to_provide_the_code(sts: RoleSts) -> None:
    result = without_terminal(*ARGS)
    assert_clean_failure(result, status=1, mentions="profile 'admin' needs an MFA code")
    assert SERIAL in result.stderr
    assert "aws sts get-caller-identity --profile admin" in result.stderr
    assert "interactiveMode: IfAvailable" in result.stderr
    for noise in ("Warning", "EOFError", "Traceback", "unexpected"):
        assert noise not in result.stderr
    assert not sts.recorded, "AssumeRole was called without a code"


def test_kubectl_saying_not_interactive_wins_over_a_terminal(sts: RoleSts, tmp_path: Path) -> None:
    stdout = tmp_path / "stdout"
    status, shown = on_terminal(
        ARGS, stdout, answer="123456", env={"KUBERNETES_EXEC_INFO": NOT_INTERACTIVE}
    )
    assert status == 1
    assert PROMPT not in shown
    lines = [line for line in shown.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    assert lines[0].startswith("error: profile 'admin' needs an MFA code")
    assert "kubectl runs eks-token without a terminal" in lines[0]
    assert stdout.read_text() == ""
    assert not sts.recorded


def test_not_interactive_without_a_terminal(sts: RoleSts) -> None:
    result = without_terminal(*ARGS, env={"KUBERNETES_EXEC_INFO": NOT_INTERACTIVE})
    assert_clean_failure(result, status=1, mentions="needs an MFA code")


def test_an_empty_code_is_not_sent(sts: RoleSts, tmp_path: Path) -> None:
    status, shown = on_terminal(ARGS, tmp_path / "stdout", answer="")
    assert status == 1
    assert "no code was entered" in shown
    assert not sts.recorded


def test_a_rejected_code_is_one_clear_error(sts: RoleSts, tmp_path: Path) -> None:
    sts.error = (
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    )
    status, shown = on_terminal(ARGS, tmp_path / "stdout", answer="000000")
    assert status == 1
    errors = [line for line in shown.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, shown
    assert "rejected the MFA code" in errors[0]
    assert ROLE in errors[0]
    assert "Traceback" not in shown
    assert (tmp_path / "stdout").read_text() == ""
    assert sts.calls()[0]["TokenCode"] == "000000"
