"""Lean start-up: what the cache-hit path and ``import eks_token`` load, and that the
start-up path answers exactly as the full command would."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eks_token.cli._fast import exec_credential_line, parse_request
from eks_token.clock import parse_rfc3339
from eks_token.core.token import API_V1, API_V1BETA1, Token
from tests.support.aws_env import AwsEnv
from tests.support.cli import run_cli

#: Prints the modules a piece of code loads beyond what the interpreter started with.
PROBE = """
import sys
before = set(sys.modules)
{code}
sys.stderr.write("\\nLOADED " + " ".join(sorted(set(sys.modules) - before)) + "\\n")
"""
WARM = "from eks_token.cli.main import main\nstatus = main(sys.argv[1:])"
EXEC_INFO_V1 = json.dumps({"apiVersion": API_V1, "spec": {"interactive": False}})


def loaded(code: str, *args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = result.stderr.rpartition("\nLOADED ")[2]
    return set(line.split())


def test_import_eks_token_loads_nothing_else() -> None:
    assert loaded("import eks_token") == {"eks_token"}


def test_the_cache_hit_path_loads_only_its_own_small_modules(aws_env: AwsEnv) -> None:
    assert run_cli("token", "-i", "my-cluster").returncode == 0
    modules = loaded(WARM, "token", "-i", "my-cluster")
    assert "eks_token.cli._fast" in modules
    foreign = {
        m for m in modules if not m.startswith("eks_token") and m not in ("_sha256", "_sha2")
    }
    assert foreign == set()
    for heavy in ("eks_token.aws.signer", "eks_token.core.token"):
        assert heavy not in modules


def test_a_miss_with_environment_credentials_signs_without_botocore(aws_env: AwsEnv) -> None:
    modules = loaded(WARM, "token", "-i", "my-cluster")
    assert {"argparse", "eks_token.aws.signer", "eks_token.aws.environment"} <= modules
    assert not {m for m in modules if m.split(".")[0] in ("botocore", "urllib3", "requests")}


def test_a_miss_with_a_config_file_loads_only_botocores_config_parser(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[default]\nsts_regional_endpoints = legacy\n")
    modules = loaded(WARM, "token", "-i", "my-cluster")
    assert "botocore.configloader" in modules
    assert "botocore.credentials" not in modules


def test_a_miss_with_a_profile_takes_botocores_full_path(aws_env: AwsEnv) -> None:
    modules = loaded(WARM, "token", "-i", "my-cluster", "--profile", "default")
    assert {"botocore.session", "botocore.credentials", "eks_token.aws.signer"} <= modules


@pytest.mark.parametrize("api_version", [API_V1, API_V1BETA1])
def test_the_start_up_printer_matches_the_token_class(api_version: str) -> None:
    token = Token("k8s-aws-v1.aHR0cHM6Ly9zdHMu-_0", parse_rfc3339("2026-11-28T21:33:04Z"))
    line = exec_credential_line(api_version, token.expiration_timestamp, token.value)
    assert line == token.exec_credential_json(api_version) + "\n"


@pytest.mark.parametrize(
    ("exec_info", "args"),
    [
        (None, ["--region", "eu-west-1"]),
        (EXEC_INFO_V1, ["--token-only"]),
        (EXEC_INFO_V1, ["--profile=dev"]),
    ],
)
def test_a_cached_answer_is_byte_identical_to_the_signed_one(
    aws_env: AwsEnv, exec_info: str | None, args: list[str]
) -> None:
    env = {"KUBERNETES_EXEC_INFO": exec_info} if exec_info else {}
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[profile dev]\n")
    keys = f"aws_access_key_id = {aws_env.access_key_id}\n"
    keys += f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    aws_env.credentials_file.write_text("[dev]\n" + keys)
    first = run_cli("token", "-i", "my-cluster", "-v", *args, extra_env=env)
    second = run_cli("token", "-i", "my-cluster", "-v", *args, extra_env=env)
    assert "signed for" in first.stderr
    assert "from the cache" in second.stderr
    assert second.stdout == first.stdout


EXTENSION = json.dumps(
    {
        "apiVersion": API_V1BETA1,
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://example",
                "config": {"cluster-id": " from-extension ", "region": "eu-north-1"},
            },
        },
    }
)


@pytest.mark.parametrize(
    ("command", "argv", "env", "expected"),
    [
        ("token", ["-i", "c1"], {}, {"cluster_id": "c1"}),
        (
            "token",
            ["--cluster-id=c1", "--region=us-east-2"],
            {},
            {"cluster_id": "c1", "region": "us-east-2"},
        ),
        ("token", [], {"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "c2"}, {"cluster_id": "c2"}),
        (
            "token",
            ["-i", "c1"],
            {"DEFAULT_ROLE": "arn:aws:iam::111122223333:role/r"},
            {"cluster_id": "c1", "role_arn": "arn:aws:iam::111122223333:role/r"},
        ),
        (
            "token",
            [],
            {"KUBERNETES_EXEC_INFO": EXTENSION},
            {"cluster_id": "from-extension", "region": "eu-north-1"},
        ),
        (
            "token",
            ["--region", "us-east-2"],
            {"KUBERNETES_EXEC_INFO": EXTENSION},
            {"cluster_id": "from-extension", "region": "us-east-2"},
        ),
        ("get-token", ["--cluster-name", "c1", "--output", "json"], {}, {"cluster_id": "c1"}),
        ("get-token", ["--cluster-id", "c3"], {}, {"cluster_id": "c3"}),
    ],
)
def test_the_start_up_path_resolves_requests_as_the_full_command(
    command: str, argv: list[str], env: dict[str, str], expected: dict[str, str]
) -> None:
    request = parse_request(command, argv, env)
    assert request is not None
    given = {k: v for k, v in request.request.options.as_dict().items() if v}
    fields = {"cluster_id": request.request.cluster_id, **given}
    assert fields == expected


@pytest.mark.parametrize(
    ("command", "argv", "env"),
    [
        ("token", ["--help"], {}),
        ("token", ["-imy-cluster"], {}),
        ("token", ["--clus", "c1"], {}),
        ("token", ["-i", "c1", "--signing-time", "2026-11-28T21:19:04Z"], {}),
        ("token", ["-i", "c1", "--no-cache"], {}),
        ("token", ["-i", "c1", "-s", "alice", "--forward-session-name"], {}),
        ("token", ["-i"], {}),
        ("token", ["-i", "--region"], {}),
        ("token", ["-i", ""], {}),
        ("token", [], {}),
        ("get-token", ["--cluster-name", "a", "--cluster-id", "b"], {}),
        ("token", ["-i", "c1"], {"KUBERNETES_EXEC_INFO": "{not json"}),
        ("token", ["-i", "c1"], {"KUBERNETES_EXEC_INFO": '{"apiVersion": "v2"}'}),
        (
            "token",
            ["-i", "c1"],
            {"KUBERNETES_EXEC_INFO": '{"apiVersion": "client.authentication.k8s.io/v1alpha1"}'},
        ),
        (
            "token",
            [],
            {"KUBERNETES_EXEC_INFO": json.dumps({"apiVersion": API_V1, "spec": {"cluster": {}}})},
        ),
        ("verify", ["token"], {}),
    ],
)
def test_the_start_up_path_leaves_the_unusual_to_the_full_command(
    command: str, argv: list[str], env: dict[str, str]
) -> None:
    assert parse_request(command, argv, env) is None
