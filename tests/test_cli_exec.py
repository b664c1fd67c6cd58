"""The exec-plugin commands as kubectl runs them: output, apiVersion, both flag sets, errors."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from eks_token.core.token import API_V1, API_V1ALPHA1, API_V1BETA1, decode_token
from tests.support.aws_env import AwsEnv
from tests.support.cli import assert_clean_failure, run_aws, run_cli, served_token
from tests.support.sigv4_check import check_token
from tests.support.vectors import TokenVector, load_vectors

VECTORS = load_vectors()
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _vector_env(vector: TokenVector, aws_env: AwsEnv) -> dict[str, str]:
    env = {
        "AWS_ACCESS_KEY_ID": vector.access_key_id,
        "AWS_SECRET_ACCESS_KEY": vector.secret_access_key,
    }
    if vector.session_token:
        env["AWS_SESSION_TOKEN"] = vector.session_token
    if vector.sts_regional_endpoints:
        env["AWS_STS_REGIONAL_ENDPOINTS"] = vector.sts_regional_endpoints
    return env


def _credential(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    reply: dict[str, object] = json.loads(result.stdout)
    return reply


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
@pytest.mark.parametrize("form", ["token", "get-token"])
def test_both_forms_print_every_vector(vector: TokenVector, form: str, aws_env: AwsEnv) -> None:
    when = vector.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "token":
        args = ["token", "-i", vector.cluster_id, "--region", vector.region]
    else:
        args = ["--region", vector.region, "get-token", "--cluster-name", vector.cluster_id]
        args += ["--output", "json"]
    result = run_cli(*args, "--signing-time", when, extra_env=_vector_env(vector, aws_env))
    reply = _credential(result)
    assert reply["kind"] == "ExecCredential"
    assert reply["apiVersion"] == API_V1BETA1
    expiry = (vector.time + timedelta(minutes=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert reply["status"] == {"expirationTimestamp": expiry, "token": vector.token}
    # The vectors are signed in the past: the only thing on stderr says the token expired.
    assert result.stderr == f"warning: the token expired at {expiry} " + (
        "(14 minutes after --signing-time): clients will not use it and clusters reject it "
        "from 15 minutes after the signing time\n"
    )


def test_module_form_and_token_only(aws_env: AwsEnv) -> None:
    vector = VECTORS[0]
    args = ("token", "-i", vector.cluster_id, "--region", vector.region, "--token-only")
    when = ("--signing-time", vector.time.isoformat())
    result = run_cli(*args, *when, module=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == vector.token + "\n"


def _aws_cli(*args: str) -> str:
    return served_token(run_aws(*args))


def _signed_at(token: str) -> str:
    date = parse_qs(urlsplit(decode_token(token)).query)["X-Amz-Date"][0]
    return f"{date[:4]}-{date[4:6]}-{date[6:8]}T{date[9:11]}:{date[11:13]}:{date[13:15]}Z"


@pytest.mark.parametrize(
    ("aws_args", "ours", "env"),
    [
        (["eks", "get-token", "--cluster-name", "prod"], ["token", "-i", "prod"], {}),
        (
            ["--region", "eu-north-1", "eks", "get-token", "--cluster-name", "prod"],
            ["--region", "eu-north-1", "get-token", "--cluster-name", "prod"],
            {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
        ),
        (
            ["eks", "get-token", "--cluster-id", "4f1e9c1a-0000-4000-8000-1234567890ab"],
            ["get-token", "--cluster-id", "4f1e9c1a-0000-4000-8000-1234567890ab"],
            {"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE//+/session=="},
        ),
        (
            ["eks", "get-token", "--cluster-name", "gov"],
            ["token", "-i", "gov"],
            {"AWS_DEFAULT_REGION": "us-gov-east-1", "AWS_USE_FIPS_ENDPOINT": "true"},
        ),
        (["eks", "get-token", "--cluster-name", "x"], ["token", "-i", "x"], {"NO_REGION": "1"}),
    ],
    ids=["default-region", "legacy", "session-token", "fips-gov", "no-region"],
)
def test_byte_identical_to_aws_eks_get_token(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    aws_args: list[str],
    ours: list[str],
    env: dict[str, str],
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if "NO_REGION" in env:
        monkeypatch.delenv("AWS_DEFAULT_REGION")
    theirs = _aws_cli(*aws_args)
    result = run_cli(*ours, "--signing-time", _signed_at(theirs))
    assert served_token(result) == theirs


@pytest.mark.parametrize(
    ("exec_info", "expected", "warning"),
    [
        (None, API_V1BETA1, None),
        (json.dumps({"apiVersion": API_V1, "spec": {"interactive": False}}), API_V1, None),
        (json.dumps({"apiVersion": API_V1BETA1, "spec": {}}), API_V1BETA1, None),
        (json.dumps({"apiVersion": API_V1ALPHA1}), API_V1ALPHA1, "deprecated"),
        ("{not json", API_V1BETA1, "not valid JSON"),
        ('["a list"]', API_V1BETA1, "not a JSON object"),
        (json.dumps({"apiVersion": "client.authentication.k8s.io/v2"}), API_V1BETA1, "unknown"),
    ],
    ids=["missing", "v1", "v1beta1", "v1alpha1", "garbage", "not-object", "unknown"],
)
@pytest.mark.parametrize("form", [("token", "-i", "c"), ("get-token", "--cluster-name", "c")])
def test_api_version_follows_kubernetes_exec_info(
    aws_env: AwsEnv,
    exec_info: str | None,
    expected: str,
    warning: str | None,
    form: tuple[str, ...],
) -> None:
    extra = {"KUBERNETES_EXEC_INFO": exec_info} if exec_info is not None else {}
    result = run_cli(*form, extra_env=extra)
    assert _credential(result)["apiVersion"] == expected
    if warning is None:
        assert result.stderr == ""
    else:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert warning in lines[0]


def test_output_is_json_whatever_the_aws_config_says(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[default]\noutput = text\ncli_pager = less\n")
    exec_info = '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential"}'
    for args in (("token", "-i", "c"), ("get-token", "--cluster-name", "c", "--output", "text")):
        # Run by kubectl (KUBERNETES_EXEC_INFO set): JSON, whatever --output says.
        result = run_cli(*args, extra_env={"KUBERNETES_EXEC_INFO": exec_info})
        assert _credential(result)["kind"] == "ExecCredential"
    for args in (("token", "-i", "c"), ("get-token", "--cluster-name", "c")):
        assert _credential(run_cli(*args))["kind"] == "ExecCredential"


def test_go_tool_environment_variables(aws_env: AwsEnv) -> None:
    result = run_cli("token", extra_env={"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "from-env"})
    token = served_token(result)
    checked = check_token(
        token,
        cluster_id="from-env",
        keys={aws_env.access_key_id: aws_env.secret_access_key},
        now=_now(),
    )
    assert checked.ok, checked.reason
    flagged = served_token(
        run_cli("token", "-i", "flag", extra_env={"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "env"})
    )
    keys = {aws_env.access_key_id: aws_env.secret_access_key}
    assert check_token(flagged, cluster_id="flag", keys=keys, now=_now()).ok


def test_cluster_id_and_region_from_the_clusters_exec_extension(aws_env: AwsEnv) -> None:
    info = {
        "apiVersion": API_V1,
        "kind": "ExecCredential",
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://example.invalid",
                "config": {"cluster-id": "shared-prod", "region": "eu-west-1"},
            },
        },
    }
    result = run_cli("token", extra_env={"KUBERNETES_EXEC_INFO": json.dumps(info)})
    url = decode_token(served_token(result))
    assert urlsplit(url).netloc == "sts.eu-west-1.amazonaws.com"
    keys = {aws_env.access_key_id: aws_env.secret_access_key}
    assert check_token(served_token(result), cluster_id="shared-prod", keys=keys, now=_now()).ok


@pytest.mark.parametrize(
    ("config", "mentions"),
    [
        (None, "no cluster id"),
        ({"region": "eu-west-1"}, "no cluster-id"),
        ("not-a-mapping", "must be a mapping"),
    ],
)
def test_missing_or_malformed_exec_extension(
    aws_env: AwsEnv, config: object, mentions: str
) -> None:
    cluster: dict[str, object] = {"server": "https://example.invalid"}
    if config is not None:
        cluster["config"] = config
    info = {"apiVersion": API_V1, "spec": {"cluster": cluster}}
    result = run_cli("token", extra_env={"KUBERNETES_EXEC_INFO": json.dumps(info)})
    assert_clean_failure(result, status=1, mentions=mentions)


def _now() -> datetime:
    return datetime.now(timezone.utc)
