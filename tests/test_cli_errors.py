"""Bad input: one `error:` line naming what to fix, the right exit status, no secret anywhere."""

from __future__ import annotations

import pytest

from tests.support.aws_env import AwsEnv
from tests.support.cli import assert_clean_failure, run_cli

SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontokenvalue"


@pytest.fixture
def no_credentials(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    return aws_env


def test_no_credentials(no_credentials: AwsEnv) -> None:
    for args in (("token", "-i", "c"), ("get-token", "--cluster-name", "c")):
        assert_clean_failure(run_cli(*args), status=1, mentions="no AWS credentials found")


def test_unknown_profile(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[profile dev]\nregion = eu-west-1\n")
    for args in (("token", "-i", "c", "--profile", "prod"), ("get-token", "--cluster-name", "c")):
        result = run_cli(*args, extra_env={"AWS_PROFILE": "prod"})
        assert_clean_failure(result, status=1, mentions="AWS profile 'prod' not found")


def test_partial_credentials(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert_clean_failure(run_cli("token", "-i", "c"), status=1, mentions="AWS_SECRET_ACCESS_KEY")


def test_partial_credentials_in_a_profile(no_credentials: AwsEnv) -> None:
    no_credentials.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    no_credentials.credentials_file.write_text("[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    result = run_cli("token", "-i", "c", "--profile", "dev")
    assert_clean_failure(result, status=1, mentions="partial AWS credentials")


def test_credentials_from_a_profile_work(no_credentials: AwsEnv) -> None:
    no_credentials.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    no_credentials.credentials_file.write_text(
        "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        f"aws_secret_access_key = {no_credentials.secret_access_key}\n"
    )
    result = run_cli("token", "-i", "c", "--profile", "dev", "-v")
    assert result.returncode == 0, result.stderr
    assert "shared-credentials-file" in result.stderr
    assert no_credentials.secret_access_key not in result.stderr


@pytest.mark.parametrize(
    ("args", "status", "mentions"),
    [
        (
            ("token", "-i", "c", "-r", "arn:aws:iam::123456789012:user/bob"),
            1,
            "not an IAM role ARN",
        ),
        (("get-token", "--cluster-name", "c", "--role-arn", "admins"), 1, "not an IAM role ARN"),
        (("token", "-i", ""), 1, "cluster id is empty"),
        (("get-token", "--cluster-name", " "), 1, "cluster id is empty"),
        (("token", "-i", "c", "-s", "me", "--forward-session-name"), 2, "not allowed with"),
        (("get-token", "--cluster-name", "a", "--cluster-id", "b"), 2, "not allowed with"),
        (("token", "-i", "c", "--region", "us-west-2a"), 1, "availability zone"),
        (("get-token", "--cluster-name", "c", "--region", "Oregon"), 1, "not an AWS region"),
        (("token", "-i", "c", "--signing-time", "noon"), 1, "RFC 3339"),
        (("token", "-i", "c", "--no-such-flag"), 2, "unrecognized arguments"),
        (("tokn", "-i", "c"), 2, "unknown command 'tokn'"),
        (("token", "-i", "c", "-e", "ext"), 2, "needs a role ARN"),
    ],
)
def test_bad_arguments(aws_env: AwsEnv, args: tuple[str, ...], status: int, mentions: str) -> None:
    result = run_cli(*args, extra_env={"AWS_SESSION_TOKEN": SESSION_TOKEN})
    assert_clean_failure(
        result, status=status, mentions=mentions, secrets=(aws_env.secret_access_key, SESSION_TOKEN)
    )


def test_bad_region_from_the_environment(aws_env: AwsEnv) -> None:
    result = run_cli("token", "-i", "c", extra_env={"AWS_REGION": "eu_west_1"})
    assert_clean_failure(result, status=1, mentions="'eu_west_1' is not an AWS region name")


def test_no_command_prints_usage_and_fails(aws_env: AwsEnv) -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage: eks-token COMMAND" in result.stderr
    assert result.stdout == ""


def test_verbose_explains_without_secrets(aws_env: AwsEnv) -> None:
    result = run_cli(
        "token", "-i", "c", "--verbose", extra_env={"AWS_SESSION_TOKEN": SESSION_TOKEN}
    )
    assert result.returncode == 0
    assert "env credentials" in result.stderr
    assert "sts.us-west-2.amazonaws.com" in result.stderr
    token = result.stdout.split('"token":"')[1].split('"')[0]
    for secret in (aws_env.secret_access_key, SESSION_TOKEN, token):
        assert secret not in result.stderr


@pytest.mark.parametrize("command", ["token", "get-token"])
def test_help_shows_the_kubeconfig_entry(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "command: eks-token" in result.stdout
    assert "sts.amazonaws.com" in result.stdout  # what happens with no region
    assert "always JSON" in result.stdout
