"""The CLI's conventions, command by command: one exit-status scheme (0 ok, 1 failure,
2 usage) stated in every help, -v everywhere, version and help, and clean failures when
stdout cannot be written."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_token.cli.main import COMMANDS
from tests.support.aws_env import AwsEnv
from tests.support.cli import EKS_TOKEN, assert_clean_failure, run_cli

#: Every command and subcommand, as typed.
ALL_COMMANDS = [*COMMANDS, "kubeconfig migrate", "cache list", "cache clear"]


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_every_help_states_the_exit_status(command: str) -> None:
    result = run_cli(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    paragraph = result.stdout.split("exit status:\n", 1)[1]
    codes = [line.split()[0] for line in paragraph.splitlines() if line.strip()]
    assert codes == ["0", "1", "2"]
    assert "usage error" in paragraph


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_every_command_takes_verbose(command: str) -> None:
    help_text = run_cli(*command.split(), "--help").stdout
    assert re.search(r"^  -v, --verbose ", help_text, re.MULTILINE), help_text


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_an_unknown_option_is_a_usage_error(command: str) -> None:
    result = run_cli(*command.split(), "--no-such-option")
    # argparse names a missing required argument first, when one is missing too
    assert_clean_failure(result, status=2, mentions="(see 'eks-token")


MISSING_TOKEN_CLUSTER = "no cluster id: pass -i/--cluster-id CLUSTER"


@pytest.mark.parametrize(
    ("args", "status", "mentions"),
    [
        # usage errors: the command line itself is wrong
        ((), 2, "usage: eks-token COMMAND"),
        (("tokn",), 2, "unknown command 'tokn'"),
        (("help", "tokn"), 2, "unknown command 'tokn'"),
        (("token",), 2, MISSING_TOKEN_CLUSTER),
        (("get-token",), 2, "no cluster id: pass --cluster-name NAME (or --cluster-id ID)"),
        (("get-token", "--output", "json"), 2, "--cluster-name"),
        (("token", "-i", "c", "-e", "ext"), 2, "-e/--external-id needs a role ARN"),
        (("token", "-i", "c", "-s", "me"), 2, "a session name needs a role ARN"),
        (
            (
                "token",
                "-i",
                "c",
                "-r",
                "arn:aws:iam::1:role/r",
                "-s",
                "a",
                "--forward-session-name",
            ),
            2,
            "not allowed with",
        ),
        (("get-token", "--cluster-name", "a", "--cluster-id", "b"), 2, "not allowed with"),
        (("get-token", "--cluster-name", "c", "--output", "xml"), 2, "invalid choice: 'xml'"),
        (("verify", "x"), 2, "-i/--cluster-id"),
        (("verify", "-i", "c", "-t", "x", "y"), 2, "give the token once"),
        (("map", "--arn", "arn:aws:iam::111122223333:user/a"), 2, "--aws-auth"),
        (("map", "--aws-auth", "f", "--token", "t"), 2, "--token needs -i/--cluster-id"),
        (("can-i", "get"), 2, "resource"),
        (("kubeconfig",), 2, "--name"),
        (("cache", "bogus"), 2, "invalid choice: 'bogus'"),
        (("completion",), 2, "shell"),
        (("completion", "tcsh"), 2, "invalid choice: 'tcsh'"),
        (("version", "extra"), 2, "unrecognized arguments"),
        # failures: the command ran and could not do it
        (("token", "-i", "c", "--region", "us-west-2a"), 1, "availability zone"),
        (("token", "-i", "c", "--signing-time", "noon"), 1, "RFC 3339"),
        (("get-token", "--cluster-name", "c", "--query", "status.["), 1, "not a JMESPath"),
        (("get-token", "--cluster-name", "c", "--ca-bundle", "/no/such.pem"), 1, "--ca-bundle"),
        (("verify", "-i", "c", "-t", "not-a-token"), 1, "k8s-aws-v1."),
        (
            ("map", "--aws-auth", "/no/such/file", "--arn", "arn:aws:iam::1:user/a"),
            1,
            "cannot read",
        ),
        (("whoami", "--kubeconfig", "/no/such/kubeconfig"), 1, "/no/such/kubeconfig"),
        (("can-i", "get", "pods", "--kubeconfig", "/no/such/kubeconfig"), 1, "/no/such"),
        (("kubeconfig", "migrate", "--kubeconfig", "/no/such/kubeconfig"), 1, "does not exist"),
    ],
)
def test_exit_status(aws_env: AwsEnv, args: tuple[str, ...], status: int, mentions: str) -> None:
    result = run_cli(*args)
    if not args:  # the usage text, not one error line
        assert result.returncode == 2
        assert mentions in result.stderr
        return
    assert_clean_failure(result, status=status, mentions=mentions)


def test_decode_reports_and_exits_1_for_a_broken_token() -> None:
    result = run_cli("decode", "not-a-token")
    assert result.returncode == 1
    assert '"rule": "prefix"' in result.stdout
    assert result.stderr == (
        "error: the token breaks: prefix: token does not start with 'k8s-aws-v1.' "
        "(an EKS IAM token does: give the whole token, as 'eks-token token --token-only' "
        "prints it)\n"
    )


def test_a_missing_cluster_id_names_the_alternatives(aws_env: AwsEnv) -> None:
    stderr = run_cli("token").stderr
    for alternative in ("-i/--cluster-id", "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID", "cluster-id"):
        assert alternative in stderr
    assert "client.authentication.k8s.io/exec" in stderr


def test_missing_cluster_id_comes_from_the_environment_variable(aws_env: AwsEnv) -> None:
    result = run_cli("token", extra_env={"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "c"})
    assert result.returncode == 0, result.stderr


def test_external_id_with_the_default_role_is_fine(aws_env: AwsEnv) -> None:
    # -e needs a role; DEFAULT_ROLE is one, so this is not a usage error (it fails later,
    # assuming the role with no STS to ask, as exit status 1).
    result = run_cli(
        "token",
        "-i",
        "c",
        "-e",
        "ext",
        "--no-cache",
        extra_env={
            "DEFAULT_ROLE": "arn:aws:iam::111122223333:role/r",
            "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
        },
    )
    assert result.returncode == 1, result.stderr


def test_version_command_and_flag() -> None:
    flag = run_cli("--version")
    command = run_cli("version")
    assert flag.returncode == command.returncode == 0
    lines = command.stdout.splitlines()
    assert lines[0] == flag.stdout.strip()
    assert re.fullmatch(r"eks-token \S+", lines[0])
    assert lines[1].startswith("Python 3.")
    assert re.fullmatch(r"botocore \d+\.\d+\.\d+", lines[2])


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_command_prints_the_command_help(command: str) -> None:
    via_help = run_cli("help", command)
    via_flag = run_cli(command, "--help")
    assert via_help.returncode == 0
    assert via_help.stdout == via_flag.stdout
    assert f"usage: eks-token {command}" in via_help.stdout


@pytest.mark.parametrize("args", [("help",), ("help", "help")])
def test_help_alone_prints_the_command_list(args: tuple[str, ...]) -> None:
    # `help` is offered by completion as a command, so `help help` is help too
    result = run_cli(*args)
    assert result.returncode == 0
    assert all(name in result.stdout for name in COMMANDS)
    assert "exit status: 0 success, 1 failure, 2 usage error" in result.stdout
    # each command's line says what it does now (map also answers from access entries)
    assert "access entries" in next(
        line for line in result.stdout.splitlines() if line.strip().startswith("map ")
    )


def test_verify_takes_the_token_as_t(aws_env: AwsEnv) -> None:
    token = run_cli("token", "-i", "c", "--token-only", "--no-cache").stdout.strip()
    # The static rules pass, so verification gets as far as STS (unreachable here).
    url = "https://127.0.0.1:9"
    by_option = run_cli("verify", "-i", "c", "-t", token, "--sts-endpoint-url", url)
    by_argument = run_cli("verify", "-i", "c", token, "--sts-endpoint-url", url)
    assert by_option.returncode == by_argument.returncode == 1
    assert by_option.stderr == by_argument.stderr
    assert "STS" in by_option.stderr


def test_cache_alone_lists(aws_env: AwsEnv) -> None:
    assert run_cli("token", "-i", "listed").returncode == 0
    alone, listed = run_cli("cache"), run_cli("cache", "list")
    assert alone.returncode == listed.returncode == 0
    assert alone.stdout == listed.stdout
    assert "listed" in alone.stdout


@pytest.mark.parametrize("command", ["token", "get-token"])
def test_help_has_examples(command: str) -> None:
    text = run_cli(command, "--help").stdout
    examples = text.split("examples:\n", 1)[1].split("\n\n", 1)[0]
    assert examples.count("eks-token") >= 3
    assert all(line.startswith("  eks-token ") for line in examples.splitlines())


def test_get_token_help_describes_cache_in_its_own_words() -> None:
    text = run_cli("get-token", "--help").stdout
    cache_help = text.split("  --cache ", 1)[1].split("\n  -", 1)[0]
    assert "aws-iam-authenticator" not in cache_help
    assert "default" in cache_help


# --signing-time: every RFC 3339 form, on every Python this package supports


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-28T21:33:04Z",
        "2026-11-28t21:33:04z",
        "2026-11-28 21:33:04Z",
        "2026-11-28T21:33:04.5Z",
        "2026-11-28T21:33:04.123456789Z",
        "2026-11-28T22:33:04+01:00",
        "2026-11-28T20:03:04-01:30",
        "2026-11-28T21:33:04-00:00",
        "2026-11-28T22:33:04.000001+01:00",
    ],
)
def test_signing_time_forms(aws_env: AwsEnv, text: str) -> None:
    result = run_cli("token", "-i", "c", "--signing-time", text)
    assert result.returncode == 0, result.stderr
    assert '"expirationTimestamp":"2026-11-28T21:47:04Z"' in result.stdout


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-28T21:33:04",
        "2026-11-28",
        "21:33:04Z",
        "2026-11-28T21:33Z",
        "2026-02-30T00:00:00Z",
        "2026-11-28T21:33:04+25:00",
        "2026-11-28T21:33:04 Z",
    ],
)
def test_signing_time_rejects(aws_env: AwsEnv, text: str) -> None:
    result = run_cli("token", "-i", "c", "--signing-time", text)
    assert_clean_failure(result, status=1, mentions=repr(text))


def test_an_expired_signing_time_warns(aws_env: AwsEnv) -> None:
    past = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_cli("token", "-i", "c", "--signing-time", past)
    assert result.returncode == 0
    assert result.stderr.startswith("warning: the token expired at ")
    assert len(result.stderr.splitlines()) == 1


def test_a_fresh_signing_time_does_not_warn(aws_env: AwsEnv) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_cli("token", "-i", "c", "--signing-time", now)
    assert result.returncode == 0
    assert result.stderr == ""


# Standard output that cannot be written


def _run_with_stdout(args: list[str], stdout: str) -> subprocess.CompletedProcess[str]:
    """Run eks-token with stdout closed ('closed') or on the full device ('full')."""
    redirect = ">&-" if stdout == "closed" else ">/dev/full"
    return subprocess.run(
        ["sh", "-c", f'exec "$0" "$@" {redirect}', str(EKS_TOKEN), *args],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("stdout", ["closed", "full"])
@pytest.mark.parametrize(
    "args",
    [
        ["token", "-i", "c"],  # the cache-hit path (the entry is made first)
        ["token", "-i", "c", "--no-cache"],  # the full path
        ["get-token", "--cluster-name", "c"],
        ["get-token", "--cluster-name", "c", "--query", "status.token", "--output", "text"],
        ["decode", "k8s-aws-v1.x"],
        ["version"],
        ["--help"],
        ["help", "token"],
        ["completion", "bash"],
    ],
)
def test_unwritable_stdout_is_one_clean_error(
    aws_env: AwsEnv, stdout: str, args: list[str]
) -> None:
    assert run_cli("token", "-i", "c").returncode == 0  # a fresh cache entry for 'c'
    if args == ["token", "-i", "c"]:
        assert "from the cache" in run_cli("token", "-i", "c", "-v").stderr
    result = _run_with_stdout(args, stdout)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "standard output" in lines[0]
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
