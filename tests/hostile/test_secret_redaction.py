"""Secret redaction: an endpoint that echoes the request back in its error never gets a
secret, session token, signature or bearer token printed or into a raised exception."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eks_token.aws.signer import get_token
from eks_token.cluster.verifier import verify_token
from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import resolve_sts_endpoint
from eks_token.core.signing import sign_token
from eks_token.errors import EksTokenError
from eks_token.redact import REDACTED, redact, remember_secret
from tests.hostile.helpers import run_eks_token
from tests.support.aws_env import AwsEnv
from tests.support.cli import run_cli
from tests.support.eks_standin import EksStandin, route
from tests.support.local_server import LocalServer, RecordedRequest, Response
from tests.support.sts_standin import DEFAULT_IDENTITIES

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


# --- every form a server may echo a secret in, through the real CLI --------------------------

#: The caller of the end-to-end tests: temporary credentials AWS (the stand-ins) knows.
CALLER_KEY_ID = "ASIAROLEEXAMPLE00001"
CALLER = DEFAULT_IDENTITIES[CALLER_KEY_ID]
assert CALLER.session_token is not None
CALLER_SECRETS = (CALLER.secret_access_key, CALLER.session_token)
CLUSTER = "my-cluster"


def _escaped(secret: str, escape: Callable[[str], str]) -> str:
    return "".join(c if c.isascii() and c.isalnum() else escape(c) for c in secret)


def _inside_base64(secret: str, before: int) -> str:
    return base64.b64encode(b"<" * before + secret.encode() + b">>").decode()


def echoed_forms(secret: str) -> dict[str, str]:
    """``secret`` as a server, a log or a proxy may echo it, by the name of the form."""
    percent = quote(secret, safe="")
    return {
        "raw": secret,
        "percent-encoded": percent,
        "percent-encoded with lower-case hex": re.sub(
            "%[0-9A-F]{2}", lambda m: m.group().lower(), percent
        ),
        "percent-encoded but /": quote(secret, safe="/"),
        "percent-encoded, + for space": quote_plus(secret),
        "percent-encoded twice": quote(percent, safe=""),
        "JSON-escaped": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "JSON \\u escapes": _escaped(secret, lambda c: f"\\u{ord(c):04x}"),
        "HTML hex entities": _escaped(secret, lambda c: f"&#x{ord(c):X};"),
        "HTML decimal entities": _escaped(secret, lambda c: f"&#{ord(c)};"),
        "HTML named entities": html.escape(secret)
        .replace("/", "&sol;")
        .replace("+", "&plus;")
        .replace("=", "&equals;"),
        "base64": base64.b64encode(secret.encode()).decode(),
        "URL-safe base64": base64.urlsafe_b64encode(secret.encode()).decode(),
        "inside base64, 1 byte in": _inside_base64(secret, 1),
        "inside base64, 2 bytes in": _inside_base64(secret, 2),
        "inside base64, 3 bytes in": _inside_base64(secret, 3),
    }


def _probe(name: str, form: str, secret: str) -> str:
    """What of ``form`` shows ``secret``: all of it, or of a base64 blob with other bytes,
    the characters that encode only the secret's bytes."""
    if not name.startswith("inside base64"):
        return form.rstrip("=") if "base64" in name else form
    before = int(name.split(", ")[1][0])
    skip = (3 - before) % 3
    data = secret.encode()[skip:]
    return base64.b64encode(data[: len(data) // 3 * 3]).decode()


def leaked(text: str, secrets: tuple[str, ...] = CALLER_SECRETS) -> list[str]:
    """The forms of ``secrets`` that ``text`` shows, by name."""
    return [
        f"{name} of {secret[:6]}..."
        for secret in secrets
        for name, form in echoed_forms(secret).items()
        if _probe(name, form, secret) in text
    ]


FORMS = tuple(echoed_forms(SECRET))


def _echo(forms: tuple[str, ...], key_id: str | None, token: str | None) -> str:
    """What the stand-ins answer: the request's session token and its key's secret (which
    AWS knows), in each of ``forms``."""
    known = DEFAULT_IDENTITIES.get(key_id or "")
    shown = [s for s in (token, known.secret_access_key if known else None) if s]
    return " ".join(f"[{name}: {echoed_forms(s)[name]}]" for name in forms for s in shown)


def _caller(request: RecordedRequest) -> tuple[str | None, str | None]:
    match = re.search(r"Credential=([A-Z0-9]+)/", request.header("authorization") or "")
    return (match.group(1) if match else None), request.header("x-amz-security-token")


class EchoingSts(LocalServer):
    """STS answering every call with AccessDenied that repeats the caller's secrets."""

    def __init__(self, forms: tuple[str, ...] = FORMS) -> None:
        super().__init__()
        self.forms = forms

    def respond(self, request: RecordedRequest) -> Response:
        message = "The security token included in the request is invalid: " + _echo(
            self.forms, *_caller(request)
        )
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            "<RequestId>echo</RequestId></ErrorResponse>"
        )
        return Response(403, body.encode(), [("Content-Type", "text/xml")])


class EchoingEks(EksStandin):
    """The EKS stand-in, answering the operations in ``echo_on`` with a 403 that repeats the
    caller's secrets (as AWS's front door does for a token it cannot use)."""

    def __init__(self, echo_on: tuple[str, ...], forms: tuple[str, ...] = FORMS) -> None:
        super().__init__(cluster=CLUSTER, mode="API")
        self.echo_on = echo_on
        self.forms = forms

    def respond(self, request: RecordedRequest) -> Response:
        operation, _ = route(request.path)
        if operation not in self.echo_on:
            return super().respond(request)
        message = f"bad token for {operation}: {_echo(self.forms, *_caller(request))}"
        return Response.json(
            403, {"message": message}, ("x-amzn-ErrorType", "UnrecognizedClientException")
        )


@pytest.fixture
def caller_env(aws_env: AwsEnv) -> dict[str, str]:
    """The test's environment with the caller's temporary credentials and no caches."""
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": CALLER_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": CALLER.secret_access_key,
        "AWS_SESSION_TOKEN": CALLER.session_token or "",
        "EKS_TOKEN_NO_CACHE": "1",
    }


def assert_echo_redacted(server: LocalServer, result: subprocess.CompletedProcess[str]) -> None:
    """The server was asked (so its answer held the secrets), the command failed, and its
    output shows no form of them, only the placeholder."""
    assert server.recorded, result.stderr
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert leaked(output) == [], output
    assert REDACTED in output, output
    assert "Traceback" not in output


VERBOSE = pytest.mark.parametrize("verbose", [(), ("--verbose",)], ids=["quiet", "verbose"])


@VERBOSE
def test_token_with_a_role_hides_every_form_sts_echoes(
    caller_env: dict[str, str], verbose: tuple[str, ...]
) -> None:
    with EchoingSts() as sts:
        result = run_cli(
            "token", "-i", CLUSTER, "-r", ROLE, *verbose,
            env={**caller_env, "AWS_ENDPOINT_URL_STS": sts.url},
        )  # fmt: skip
    assert_echo_redacted(sts, result)
    assert "AssumeRole" in result.stderr


@VERBOSE
def test_kubeconfig_hides_every_form_describe_cluster_echoes(
    caller_env: dict[str, str], tmp_path: Path, verbose: tuple[str, ...]
) -> None:
    with EchoingEks(echo_on=("DescribeCluster",)) as eks:
        result = run_cli(
            "kubeconfig", "--name", CLUSTER, "--kubeconfig", str(tmp_path / "config"), *verbose,
            env={**caller_env, "AWS_ENDPOINT_URL_EKS": eks.url},
        )  # fmt: skip
    assert_echo_redacted(eks, result)
    assert "DescribeCluster" in result.stderr
    assert not (tmp_path / "config").exists()


@VERBOSE
def test_kubeconfig_assume_role_hides_every_form_sts_echoes(
    caller_env: dict[str, str], tmp_path: Path, verbose: tuple[str, ...]
) -> None:
    with EchoingSts() as sts, EchoingEks(echo_on=()) as eks:
        result = run_cli(
            "kubeconfig", "--name", CLUSTER, "--kubeconfig", str(tmp_path / "config"),
            "--assume-role-arn", ROLE, *verbose,
            env={**caller_env, "AWS_ENDPOINT_URL_STS": sts.url, "AWS_ENDPOINT_URL_EKS": eks.url},
        )  # fmt: skip
    assert_echo_redacted(sts, result)
    assert "AssumeRole" in result.stderr
    assert eks.operations == []


@pytest.mark.parametrize("command", ["kubeconfig", "token"])
def test_a_source_profile_s_keys_are_hidden_when_sts_echoes_them(
    caller_env: dict[str, str], aws_env: AwsEnv, tmp_path: Path, command: str
) -> None:
    """botocore assumes a role profile's role with its source profile's keys itself: the keys
    the credentials file holds are secrets all the same."""
    from tests.credential_sources import add_profile

    aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.credentials_file.write_text(
        f"[base]\naws_access_key_id = {CALLER_KEY_ID}\n"
        f"aws_secret_access_key = {CALLER.secret_access_key}\n"
        f"aws_session_token = {CALLER.session_token}\n"
    )
    add_profile(aws_env, "chained", role_arn=ROLE, source_profile="base", region="us-west-2")
    env = {k: v for k, v in caller_env.items() if not k.startswith("AWS_SE")}
    env.pop("AWS_ACCESS_KEY_ID")
    args = {
        "kubeconfig": ("kubeconfig", "--name", CLUSTER, "--kubeconfig", str(tmp_path / "c")),
        "token": ("token", "-i", CLUSTER),
    }[command]
    with EchoingSts() as sts:
        result = run_cli(
            *args, "--profile", "chained", env={**env, "AWS_ENDPOINT_URL_STS": sts.url}
        )
    assert_echo_redacted(sts, result)
    assert "AssumeRole" in result.stderr


# A message quotes at most 300 characters of EKS's answer: one form at a time.
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("operation", ["ListAccessEntries", "DescribeCluster"])
def test_map_access_entries_hides_every_form_eks_echoes(
    caller_env: dict[str, str], operation: str, form: str
) -> None:
    with EchoingEks(echo_on=(operation,), forms=(form,)) as eks:
        result = run_cli(
            "map", "--access-entries", CLUSTER, "--region", "us-west-2", "--arn", ROLE,
            env={**caller_env, "AWS_ENDPOINT_URL_EKS": eks.url},
        )  # fmt: skip
    assert_echo_redacted(eks, result)
    assert operation in result.stderr


@pytest.mark.parametrize("form", FORMS)
def test_the_doctor_hides_every_form_eks_echoes(
    caller_env: dict[str, str], tmp_path: Path, eks_token_on_path: str, form: str
) -> None:
    """A 401 makes the doctor ask EKS for the access entries; EKS echoes the secrets."""
    from tests.cluster_side_helpers import EXEC_ENTRY
    from tests.support import kube
    from tests.support.api_server import ApiServer
    from tests.support.sts_standin import StsStandin

    with (
        StsStandin() as sts,
        ApiServer(users={}) as server,
        EchoingEks(echo_on=("ListAccessEntries",), forms=(form,)) as eks,
    ):
        config = kube.write_kubeconfig(tmp_path / "config", server.url, server.ca_data, EXEC_ENTRY)
        env = {**caller_env, "AWS_ENDPOINT_URL_EKS": eks.url, "PATH": eks_token_on_path}
        result = run_cli(
            "doctor", "--kubeconfig", str(config), "--sts-endpoint-url", sts.url, env=env
        )
        as_json = run_cli(
            "doctor", "--json", "--kubeconfig", str(config), "--sts-endpoint-url", sts.url,
            env=env,
        )  # fmt: skip
    assert "ListAccessEntries" in result.stdout, result.stdout + result.stderr
    assert_echo_redacted(eks, result)
    assert_echo_redacted(eks, as_json)


# --- the redaction function itself, for any secret --------------------------------------------

#: What secrets are made of: printable ASCII without spaces (AwsCredentials refuses others).
SECRET_CHARACTERS = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
SURROUNDING = st.text(alphabet=SECRET_CHARACTERS, max_size=12)


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry of secrets for this test alone: the random ones it registers ("00000000")
    must not hide text in the tests that run after it."""
    import eks_token.redact

    monkeypatch.setattr(eks_token.redact, "_KNOWN_SECRETS", {})
    monkeypatch.setattr(eks_token.redact, "_KNOWN_FORMS", [])
    monkeypatch.setattr(eks_token.redact, "_FORM_PATTERNS", {})


@pytest.mark.usefixtures("own_registry")
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    secret=st.text(alphabet=SECRET_CHARACTERS, min_size=8, max_size=120),
    form=st.sampled_from(FORMS),
    before=SURROUNDING,
    after=SURROUNDING,
)
def test_redact_hides_any_secret_in_every_form(
    secret: str, form: str, before: str, after: str
) -> None:
    remember_secret(secret)
    shown = redact(f"{before}{echoed_forms(secret)[form]}{after}")
    assert leaked(shown, (secret,)) == [], shown
    assert REDACTED in shown


def test_one_placeholder_everywhere() -> None:
    """The credential_process and exec-plugin paths hide with the same placeholder."""
    from eks_token.aws.failure_text import quoted_output

    remember_secret(SECRET)
    assert quoted_output(f"failed: {SECRET} password=hunter2hunter2") == (
        f"failed: {REDACTED} password={REDACTED}"
    )
    assert "<redacted>" not in redact(f"x {SECRET}", program_output=True)


@pytest.mark.usefixtures("own_registry")
def test_secret_variables_are_registered_and_settings_are_not(tmp_path: Path) -> None:
    """The values of secret variables are hidden wherever they appear; eks-token's own
    settings and the files, addresses and times other variables name stay readable."""
    from eks_token.redact import remember_environment_secrets

    container_token = "containerAuthorizationToken0123456789"
    cache_dir = str(tmp_path / "cache-dir")
    token_file = str(tmp_path / "web-identity-token")
    remember_environment_secrets(
        {
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": container_token,
            "EKS_TOKEN_CACHE_DIR": cache_dir,
            "AWS_WEB_IDENTITY_TOKEN_FILE": token_file,
            "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T00:00:00Z",
        }
    )
    shown = redact(f"{quote(container_token)} in {cache_dir}, {token_file}, 2099-01-01T00:00:00Z")
    assert shown == f"{REDACTED} in {cache_dir}, {token_file}, 2099-01-01T00:00:00Z"


@pytest.mark.usefixtures("own_registry")
def test_signing_many_tokens_never_forgets_the_keys_they_are_signed_with() -> None:
    """A long-running process signs a token every few minutes with the same credentials; each
    token is a secret too, and none of them pushes the keys out of the registry."""
    from datetime import datetime, timedelta, timezone

    credentials = AwsCredentials("ASIAIOSFODNN7EXAMPLE", SECRET, SESSION_TOKEN)
    endpoint = resolve_sts_endpoint("us-west-2")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    tokens = [
        sign_token("my-cluster", credentials, endpoint, start + timedelta(minutes=i)).value
        for i in range(200)
    ]
    body = tokens[-1].removeprefix("k8s-aws-v1.")
    shown = redact(f"echo {quote(SECRET, safe='')} {SESSION_TOKEN} and the token {body}")
    assert leaked(shown, (SECRET, SESSION_TOKEN)) == [], shown
    assert body not in shown
