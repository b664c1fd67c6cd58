"""Secret redaction: an endpoint that echoes the request back in its error never gets a
secret, session token, signature or bearer token printed or into a raised exception."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from eks_token.aws.signer import get_token
from eks_token.cluster.verifier import verify_token
from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import resolve_sts_endpoint
from eks_token.core.signing import sign_token
from eks_token.errors import EksTokenError
from eks_token.redact import redact
from tests.hostile.helpers import run_eks_token
from tests.support.aws_env import AwsEnv
from tests.support.local_server import LocalServer, RecordedRequest, Response

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/session+token=="
ROLE = "arn:aws:iam::111122223333:role/echo"
#: A signature, or any long run of hex digits that could be one.
HEX_RUN = re.compile(r"[0-9a-f]{32,}")


class EchoServer(LocalServer):
    """Answers every request with an error that repeats its headers, query and body."""

    def respond(self, request: RecordedRequest) -> Response:
        echo = (
            f"{request.method} {request.path}?{request.query} "
            f"headers={json.dumps(request.headers)} body={request.body.decode(errors='replace')}"
        )
        if request.path.startswith("/clusters/"):
            return Response.json(
                403,
                {"message": echo},
                ("x-amzn-ErrorType", "AccessDeniedException"),
            )
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{escape(echo)}</Message></Error>"
            "<RequestId>echo</RequestId></ErrorResponse>"
        )
        return Response(403, body.encode(), [("Content-Type", "text/xml")])


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


@pytest.fixture
def session_env(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("EKS_TOKEN_NO_CACHE", "1")
    return aws_env


def assert_no_secret(text: str, *extra: str) -> None:
    for secret in (SECRET, SESSION_TOKEN, *extra):
        assert secret not in text
    assert not HEX_RUN.search(text), text
    assert not re.search(r"k8s-aws-v1\.(?!REDACTED)[A-Za-z0-9_-]{8,}", text), text


def assert_clean_exception(exc: BaseException, *extra: str) -> None:
    for text in (str(exc), repr(exc), repr(exc.args)):
        assert_no_secret(text, *extra)


def assert_clean_run(echo: EchoServer, *args: str, extra_env: dict[str, str]) -> str:
    """Run ``args`` against the echo: it must have been asked (so its answer held the
    secrets), and the failure must not show them."""
    result = run_eks_token(*args, env={**os.environ, **extra_env})
    assert echo.recorded, result.stderr
    assert result.returncode != 0
    assert result.stderr.startswith("error: "), result.stderr
    assert_no_secret(result.stdout + result.stderr)
    return result.stderr


def test_the_echo_really_carries_the_secrets(echo: EchoServer, session_env: AwsEnv) -> None:
    stderr = assert_clean_run(
        echo, "token", "-i", "c", "-r", ROLE, extra_env={"AWS_ENDPOINT_URL_STS": echo.url}
    )
    (request,) = echo.recorded
    assert SESSION_TOKEN in json.dumps(request.headers)
    assert "Signature=" in request.headers["authorization"]
    assert "AssumeRole" in stderr or "role" in stderr.lower()


def test_forward_session_name(echo: EchoServer, session_env: AwsEnv) -> None:
    assert_clean_run(
        echo,
        "token",
        "-i",
        "c",
        "-r",
        ROLE,
        "--forward-session-name",
        extra_env={"AWS_ENDPOINT_URL_STS": echo.url},
    )


def test_kubeconfig_describe_cluster(echo: EchoServer, session_env: AwsEnv, tmp_path: Path) -> None:
    assert_clean_run(
        echo,
        "kubeconfig",
        "--name",
        "c",
        "--kubeconfig",
        str(tmp_path / "kubeconfig"),
        extra_env={"AWS_ENDPOINT_URL_EKS": echo.url},
    )


def _signed_token() -> str:
    from datetime import datetime, timezone

    credentials = AwsCredentials("ASIAIOSFODNN7EXAMPLE", SECRET, SESSION_TOKEN)
    now = datetime.now(timezone.utc)
    return sign_token("my-cluster", credentials, resolve_sts_endpoint("us-west-2"), now).value


def test_verify(echo: EchoServer, session_env: AwsEnv) -> None:
    token = _signed_token()
    assert_clean_run(
        echo, "verify", "-i", "my-cluster", token, "--sts-endpoint-url", echo.url, extra_env={}
    )


def test_library_errors_carry_no_secret(echo: EchoServer, session_env: AwsEnv) -> None:
    os.environ["AWS_ENDPOINT_URL_STS"] = echo.url
    try:
        with pytest.raises(EksTokenError) as raised:
            get_token("c", role_arn=ROLE)
        assert_clean_exception(raised.value)
    finally:
        del os.environ["AWS_ENDPOINT_URL_STS"]
    token = _signed_token()
    with pytest.raises(EksTokenError) as verified:
        verify_token(token, "my-cluster", sts_endpoint_url=echo.url)
    assert_clean_exception(verified.value, token)


@pytest.mark.parametrize(
    "text",
    [
        f"X-Amz-Security-Token={SESSION_TOKEN}&X-Amz-Signature={'a1' * 32}",
        f"x-amz-security-token: {SESSION_TOKEN}",
        f'"X-Amz-Security-Token": "{SESSION_TOKEN}"',
        f"'x-amz-security-token': '{SESSION_TOKEN}'",
        "X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2Fsession%2Btoken%3D%3D&X-Amz-Date=1",
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, "
        f"Signature={'b2' * 32}",
        f'"authorization": "Bearer k8s-aws-v1.{"QUJD" * 20}"',
        f"token k8s-aws-v1.{'QUJD' * 20} in the middle",
        f'{{"SecretAccessKey": "{SECRET}", "SessionToken": "{SESSION_TOKEN}"}}',
        f"aws_secret_access_key = {SECRET}",
    ],
)
def test_the_redaction_function(text: str) -> None:
    assert_no_secret(redact(text))
    exc = EksTokenError(f"failed: {text}")
    assert_clean_exception(exc)


#: Secrets no credential object of this process ever held, so only the patterns can hide them.
LOGGED_SECRET = "loggedSecretKey/0123456789abcdefghijKLMN"
LOGGED_TOKEN = "FwoLOGGEDsessionToken/abc+def=="
#: What `aws --debug` (botocore's debug log) writes: header values are bytes, response
#: bodies are STS's XML.
DEBUG_LOG = (
    f"headers={{'X-Amz-Security-Token': b'{LOGGED_TOKEN}', 'Authorization': "
    f"b'AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature={'c3' * 32}'}}\n"
    f"Response body: b'<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>"
    f"{LOGGED_SECRET}</SecretAccessKey><SessionToken>{LOGGED_TOKEN}</SessionToken>"
    "</Credentials>'\n"
)


@pytest.mark.parametrize("line", DEBUG_LOG.splitlines())
def test_botocore_debug_logs_are_redacted(line: str) -> None:
    assert_no_secret(redact(line), LOGGED_SECRET, LOGGED_TOKEN)


def test_known_secrets_are_redacted_in_any_context() -> None:
    AwsCredentials("AKIAIOSFODNN7EXAMPLE", SECRET, SESSION_TOKEN)
    assert_no_secret(redact(f"weird echo ({SECRET}) [{SESSION_TOKEN}]"))
    encoded = "IQoJb3JpZ2luX2VjEXAMPLE%2Fsession%2Btoken%3D%3D"
    assert encoded not in redact(f"echo {encoded}")


def test_redaction_keeps_what_helps(session_env: AwsEnv) -> None:
    text = (
        "AssumeRole of arn:aws:iam::111122223333:role/echo failed: "
        "AccessDenied (AKIAIOSFODNN7EXAMPLE)"
    )
    assert redact(text) == text


def test_the_doctor_shows_no_secret_a_failing_plugin_printed(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The doctor quotes a failing plugin's stderr; `aws --debug` style logs hold secrets
    that are in none of the plugin's variables."""
    from eks_token.doctor.run import run_doctor
    from tests.doctor_helpers import write_script
    from tests.support import kube

    body = f"import sys\nsys.stderr.write({DEBUG_LOG!r})\nsys.exit(1)\n"
    write_script(tmp_path / "bin", "eks-token", body)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    exec_entry = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-token",
        "args": ["token", "-i", "my-cluster"],
        "interactiveMode": "Never",
    }
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:9", "", exec_entry)
    report = run_doctor(kubeconfig=str(config), environ=dict(os.environ))
    text = report.render() + json.dumps(report.to_dict())
    assert "the plugin said" in text
    assert_no_secret(text, LOGGED_SECRET, LOGGED_TOKEN)
