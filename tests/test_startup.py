"""Lean start-up: what the cache-hit path and ``import eks_token`` load, and that the
start-up path answers exactly as the full command would."""

from __future__ import annotations

import json
import subprocess
import sys
import time

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


BOTOCORE_SESSION = {"botocore.session", "botocore.credentials"}
ROLE = "arn:aws:iam::111122223333:role/eks-admins"


def _profile_files(aws_env: AwsEnv, config: str, credentials: str = "") -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(config)
    aws_env.credentials_file.write_text(credentials)


def _static_keys(aws_env: AwsEnv) -> str:
    return (
        f"aws_access_key_id = {aws_env.access_key_id}\n"
        f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    )


def test_a_miss_with_a_static_key_profile_signs_without_botocores_session(
    aws_env: AwsEnv,
) -> None:
    _profile_files(
        aws_env, "[profile dev]\nregion = eu-west-1\n", "[dev]\n" + _static_keys(aws_env)
    )
    modules = loaded(WARM, "token", "-i", "my-cluster", "--profile", "dev")
    assert {"eks_token.aws.signer", "eks_token.aws.lean_profile"} <= modules
    assert not modules & BOTOCORE_SESSION
    assert not {m for m in modules if m.split(".")[0] in ("urllib3", "requests", "dateutil")}


def test_a_miss_with_cached_role_credentials_signs_without_botocores_session(
    aws_env: AwsEnv,
) -> None:
    from eks_token.aws.cli_cache import assume_role_cache_key

    _profile_files(
        aws_env,
        f"[profile role]\nrole_arn = {ROLE}\nsource_profile = base\nmfa_serial = arn:aws:iam::"
        "111122223333:mfa/me\n",
        "[base]\n" + _static_keys(aws_env),
    )
    cache = aws_env.home / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True, mode=0o700)
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + 3600))
    entry = cache / (
        assume_role_cache_key({"RoleArn": ROLE, "SerialNumber": "arn:aws:iam::111122223333:mfa/me"})
        + ".json"
    )
    entry.write_text(
        json.dumps(
            {
                "Credentials": {
                    "AccessKeyId": "ASIACACHEDROLE000001",
                    "SecretAccessKey": "cached/secret",
                    "SessionToken": "cached-session",
                    "Expiration": expiration,
                }
            }
        )
    )
    entry.chmod(0o600)
    modules = loaded(WARM, "token", "-i", "my-cluster", "--profile", "role")
    assert "eks_token.aws.lean_profile" in modules
    assert not modules & BOTOCORE_SESSION
    result = run_cli("token", "-i", "another-cluster", "--profile", "role", "-v")
    assert "with assume-role credentials (ASIACACHEDROLE000001)" in result.stderr


@pytest.mark.parametrize(
    ("config", "credentials"),
    [
        ("", ""),  # a profile that does not exist: botocore names the error
        ("[profile dev]\ncredential_process = /bin/true\n", ""),
        (f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = base\n", "[base]\nx = 1\n"),
    ],
)
def test_a_miss_with_a_profile_botocore_must_answer_takes_its_full_path(
    aws_env: AwsEnv, config: str, credentials: str
) -> None:
    _profile_files(aws_env, config, credentials)
    code = "try:\n    " + WARM.replace("\n", "\n    ") + "\nexcept SystemExit:\n    pass"
    modules = loaded(code, "token", "-i", "my-cluster", "--profile", "dev")
    assert BOTOCORE_SESSION | {"eks_token.aws.signer"} <= modules


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
