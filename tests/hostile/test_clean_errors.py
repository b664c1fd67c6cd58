"""Clean errors: every odd input ends in one ``error:`` line and a failing exit status from
the command, or an EksTokenError from the library; never a traceback, never an
``unexpected`` error, never a token for input that cannot be right."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from eks_token.aws.signer import get_token
from eks_token.cluster.verifier import TokenVerifier
from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import resolve_sts_endpoint
from eks_token.core.inputs import validate_cluster_id, validate_region
from eks_token.core.signing import sign_token
from eks_token.core.token import encode_token
from eks_token.errors import EksTokenError
from tests.hostile.helpers import run_eks_token, served_token
from tests.provider_helpers import EXAMPLE
from tests.support.aws_env import AwsEnv
from tests.support.cli import EKS_TOKEN, assert_clean_failure

ODD_REGIONS = ["us-west-2\n", "us-west-\u0662", "us-west-2 ", "\nus-west-2", "US-WEST-2", ""]


def assert_clean_refusal(result: subprocess.CompletedProcess[str]) -> None:
    """Refused (1 or 2) with one clean error line, not a report of an unexpected error."""
    assert_clean_failure(result, status=(1, 2))
    assert "unexpected" not in result.stderr


def run_bytes(args: list[bytes], env: dict[bytes, bytes]) -> subprocess.CompletedProcess[str]:
    """Run with arguments and environment as raw bytes (not necessarily UTF-8)."""
    completed = subprocess.run(
        [os.fsencode(EKS_TOKEN), *args],
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode(errors="backslashreplace"),
        completed.stderr.decode(errors="backslashreplace"),
    )


def environ_bytes(**changes: bytes) -> dict[bytes, bytes]:
    env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
    env[b"EKS_TOKEN_NO_CACHE"] = b"1"
    env.update({k.encode(): v for k, v in changes.items()})
    return env


# --- regions, access key ids, cluster ids: ASCII, matched whole ----------------------------


@pytest.mark.parametrize("region", [r for r in ODD_REGIONS if r])
def test_an_odd_region_argument(aws_env: AwsEnv, region: str) -> None:
    assert_clean_refusal(run_eks_token("token", "-i", "c", "--region", region))


@pytest.mark.parametrize("region", ["us-west-2\n", "us-west-\u0662"])
def test_an_odd_region_variable(aws_env: AwsEnv, region: str) -> None:
    assert_clean_refusal(
        run_eks_token("token", "-i", "c", env={**os.environ, "AWS_REGION": region})
    )


@pytest.mark.parametrize("region", ODD_REGIONS)
def test_the_library_refuses_odd_regions(aws_env: AwsEnv, region: str) -> None:
    with pytest.raises(EksTokenError):
        validate_region(region)
    if region:
        with pytest.raises(EksTokenError):
            get_token("c", region=region)


@pytest.mark.parametrize(
    "access_key_id",
    ["AKIAIOSFODNN7EXAMPLE\n", "AKIAIOSFODNN7EXAMPL\u0662", "AKIA IOSFODNN7EXAMPLE", "\udcff"],
)
def test_an_odd_access_key_id(aws_env: AwsEnv, access_key_id: str) -> None:
    with pytest.raises(EksTokenError):
        AwsCredentials(access_key_id, "secret")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key_id, "EKS_TOKEN_NO_CACHE": "1"}
    if "\udcff" not in access_key_id:
        assert_clean_refusal(run_eks_token("token", "-i", "c", env=env))


@pytest.mark.parametrize("secret", ["\udcff\udcfe", "line\nbreak", "tab\tsecret"])
def test_an_odd_secret_or_session_token(secret: str) -> None:
    with pytest.raises(EksTokenError):
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", secret)
    with pytest.raises(EksTokenError):
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", "secret", secret)


@pytest.mark.parametrize("cluster_id", ["c\n", "cl\u00fcster", "c\u0662", "\udcff", "a b"])
def test_an_odd_cluster_id(aws_env: AwsEnv, cluster_id: str) -> None:
    with pytest.raises(EksTokenError):
        validate_cluster_id(cluster_id)
    if "\udcff" not in cluster_id:
        assert_clean_refusal(run_eks_token("token", "-i", cluster_id))


# --- bytes that are not UTF-8 --------------------------------------------------------------


def test_a_non_utf8_cluster_id_argument(aws_env: AwsEnv) -> None:
    assert_clean_refusal(run_bytes([b"token", b"-i", b"c\xff"], environ_bytes()))


def test_a_non_utf8_region_argument(aws_env: AwsEnv) -> None:
    args = [b"token", b"-i", b"c", b"--region", b"us-west-\xff"]
    assert_clean_refusal(run_bytes(args, environ_bytes()))


@pytest.mark.parametrize(
    "variable", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"]
)
def test_non_utf8_credentials_or_settings(aws_env: AwsEnv, variable: str) -> None:
    env = environ_bytes(**{variable: b"AKIA\xff\xfeEXAMPLE"})
    assert_clean_refusal(run_bytes([b"token", b"-i", b"c"], env))


def test_non_utf8_with_the_cache_on(aws_env: AwsEnv) -> None:
    env = environ_bytes(AWS_SECRET_ACCESS_KEY=b"secret\xff")
    del env[b"EKS_TOKEN_NO_CACHE"]
    assert_clean_refusal(run_bytes([b"token", b"-i", b"c"], env))


# --- exec info, endpoints, times -----------------------------------------------------------


@pytest.mark.parametrize(
    "exec_info",
    [
        '{"apiVersion": "\\ud800", "spec": {"interactive": false}}',
        '{"apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": false,'
        ' "cluster": {"server": "https://x", "config": {"cluster-id": "\\udcff"}}}}',
        '{"apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": false,'
        ' "cluster": {"server": "https://x", "config": {"cluster-id": "c", "region": "\\ud800"}}}}',
    ],
)
def test_lone_surrogates_in_exec_info(aws_env: AwsEnv, exec_info: str) -> None:
    args = ("token",) if "cluster-id" in exec_info else ("token", "-i", "c")
    result = run_eks_token(*args, env={**os.environ, "KUBERNETES_EXEC_INFO": exec_info})
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        served_token(result)
        assert all(line.startswith("warning: ") for line in result.stderr.splitlines())
    else:
        assert_clean_refusal(result)


@pytest.mark.parametrize(
    "url",
    [
        "https://[::1",
        "https://sts.example:70000",
        "https://sts.example:-1",
        "https://sts.example:99999999999999999999",
        "https://\udcff.example",
        "ftp://sts.example",
    ],
)
def test_an_odd_sts_endpoint_url(aws_env: AwsEnv, url: str) -> None:
    with pytest.raises(EksTokenError):
        resolve_sts_endpoint("us-west-2", endpoint_url=url)
    if "\udcff" not in url:
        env = {**os.environ, "AWS_ENDPOINT_URL_STS": url, "EKS_TOKEN_NO_CACHE": "1"}
        assert_clean_refusal(run_eks_token("token", "-i", "c", env=env))


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "9999-12-31T23:50:00Z"])
def test_a_signing_time_whose_expiry_does_not_fit(aws_env: AwsEnv, when: str) -> None:
    assert_clean_refusal(run_eks_token("token", "-i", "c", "--signing-time", when))
    moment = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    with pytest.raises(EksTokenError):
        sign_token("c", EXAMPLE, resolve_sts_endpoint("us-west-2"), moment)


@pytest.mark.parametrize(
    "when",
    [
        "\uff12\uff10\uff12\uff16-11-28T21:19:04Z",  # full-width digits
        "2026-11-28T21:19:0\u0664Z",  # an Arabic-Indic digit
        "2026-\u0967\u0967-28T21:19:04Z",  # Devanagari digits
        "2026-11-28T21:19:04.\u0665Z",  # in the fraction
        "2026-11-28T21:19:04+0\u0661:00",  # in the offset
        "\u20032026-11-28T21:19:04Z",  # an em space before it
    ],
)
def test_a_signing_time_in_other_digits_is_refused(aws_env: AwsEnv, when: str) -> None:
    from eks_token.clock import parse_rfc3339

    with pytest.raises(EksTokenError, match="not an RFC 3339 timestamp"):
        parse_rfc3339(when)
    for command in (("token", "-i", "c"), ("get-token", "--cluster-name", "c")):
        result = run_eks_token(*command, "--signing-time", when)
        assert_clean_refusal(result)
        assert "not an RFC 3339 timestamp" in result.stderr


USERINFO_SECRET = "hunter2endpointPW"


@pytest.mark.parametrize(
    "url",
    [
        f"https://alice:{USERINFO_SECRET}@sts.example.com",
        f"https://{USERINFO_SECRET}@sts.example.com/",
        f"http://alice:{USERINFO_SECRET}@127.0.0.1:4566/path",
        f"https://:{USERINFO_SECRET}@sts.example.com",
    ],
)
def test_an_endpoint_url_with_userinfo_is_refused_everywhere(
    aws_env: AwsEnv, url: str, tmp_path: Path
) -> None:
    secrets = (USERINFO_SECRET,)
    with pytest.raises(EksTokenError, match="user name or password") as caught:
        resolve_sts_endpoint("us-west-2", endpoint_url=url)
    assert USERINFO_SECRET not in str(caught.value)
    with pytest.raises(EksTokenError, match="user name or password"):
        TokenVerifier("c", sts_endpoint_url=url)
    base = {**os.environ, "EKS_TOKEN_NO_CACHE": "1", "AWS_MAX_ATTEMPTS": "1"}
    runs = [
        (("token", "-i", "c", "-v"), {"AWS_ENDPOINT_URL_STS": url}),
        (("get-token", "--cluster-name", "c"), {"AWS_ENDPOINT_URL": url}),
        (
            ("token", "-i", "c", "-r", "arn:aws:iam::111122223333:role/r"),
            {"AWS_ENDPOINT_URL_STS": url},
        ),
        (("verify", "-i", "c", "-t", "k8s-aws-v1.x", "--sts-endpoint-url", url), {}),
        (
            ("map", "--access-entries", "c", "--arn", "arn:aws:iam::111122223333:user/a"),
            {"AWS_ENDPOINT_URL_EKS": url},
        ),
        (
            ("kubeconfig", "--name", "c", "--kubeconfig", str(tmp_path / "kubeconfig")),
            {"AWS_ENDPOINT_URL_EKS": url},
        ),
    ]
    for args, extra in runs:
        result = run_eks_token(*args, env={**base, **extra})
        assert_clean_failure(result, status=1, mentions="user name or password", secrets=secrets)
    # and from the profile's endpoint_url
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(
        f"[profile p]\nregion = us-west-2\nendpoint_url = {url}\n"
        f"aws_access_key_id = {aws_env.access_key_id}\n"
        f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    )
    result = run_eks_token("token", "-i", "c", "--profile", "p", env=base)
    assert_clean_failure(result, status=1, mentions="user name or password", secrets=secrets)
    assert not (tmp_path / "kubeconfig").exists()


@pytest.mark.parametrize("timeout", ["nan", "inf", "1e308", "-1", "0", "-inf"])
def test_an_odd_verify_timeout(aws_env: AwsEnv, timeout: str) -> None:
    token = served_token(run_eks_token("token", "-i", "c"))
    assert_clean_refusal(run_eks_token("verify", "-i", "c", token, "--timeout", timeout))
    with pytest.raises(EksTokenError):
        TokenVerifier("c", timeout=float(timeout))


def test_decode_of_a_5000_digit_expiry(aws_env: AwsEnv) -> None:
    token = encode_token(
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Date=20261128T211904Z"
        f"&X-Amz-Expires={'9' * 5000}&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"
    )
    result = run_eks_token("decode", token)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["valid"] is False
    assert_clean_refusal(run_eks_token("verify", "-i", "c", token))


# --- what `cache list` prints --------------------------------------------------------------


def test_cache_list_escapes_control_characters(aws_env: AwsEnv) -> None:
    served_token(run_eks_token("token", "-i", "my-cluster"))
    (entry,) = (aws_env.home / ".kube" / "cache" / "eks-token").glob("*.entry")
    hostile = "\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202e"
    text = entry.read_text()
    text = text.replace(
        "cluster my-cluster", "cluster " + hostile.encode().decode("unicode_escape")
    )
    text = text.replace("key profile ", "key profile \x1b[31mred")
    entry.write_text(text)
    result = run_eks_token("cache", "list")
    assert result.returncode == 0, result.stderr
    assert "cluster" not in result.stderr
    printed = result.stdout
    assert not any(
        (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in printed
    ), printed
    assert "owned" in printed  # shown, escaped, not dropped
