"""``get-token --query/--output`` and the AWS CLI's global options, against the real
``aws eks get-token`` (PyPI awscli) where it has the same option."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from tests.support.aws_env import AwsEnv
from tests.support.cli import EKS_TOKEN, run_aws, run_cli
from tests.support.sts_standin import StsStandin

TOKEN = re.compile(r"k8s-aws-v1\.[A-Za-z0-9_-]+")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _shape(text: str) -> str:
    """The output with the token and time (which differ from run to run) replaced."""
    return TIME.sub("<time>", TOKEN.sub("<token>", text)).rstrip("\n")


def _aws(*args: str) -> str:
    result = run_aws("eks", "get-token", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _ours(*args: str) -> str:
    result = run_cli("get-token", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("output", ["json", "text"])
@pytest.mark.parametrize(
    "query",
    [
        None,
        "status",
        "status.token",
        "kind",
        "[kind, status.expirationTimestamp]",
        "status.[token]",
        "{t: status.token, k: kind}",
        "spec",
        "[status]",
    ],
)
def test_same_shape_as_aws_eks_get_token(aws_env: AwsEnv, output: str, query: str | None) -> None:
    args = ["--cluster-name", "c", "--output", output]
    if query is not None:
        args += ["--query", query]
    ours = _ours(*args)
    if query is None and output == "json":
        return  # what kubectl reads: the same object on one line (the next test)
    assert _shape(ours) == _shape(_aws(*args))


def test_without_query_json_is_the_exec_credential_kubectl_reads(aws_env: AwsEnv) -> None:
    ours = _ours("--cluster-name", "c", "--output", "json")
    theirs = _aws("--cluster-name", "c", "--output", "json")
    assert ours.count("\n") == 1  # one line
    assert _shape(json.dumps(json.loads(ours))) == _shape(json.dumps(json.loads(theirs)))


def test_query_token_text_is_the_bare_token(aws_env: AwsEnv) -> None:
    out = _ours("--cluster-name", "c", "--query", "status.token", "--output", "text")
    assert TOKEN.fullmatch(out.strip())
    assert out == out.strip() + "\n"


def test_query_result_as_yaml_and_table(aws_env: AwsEnv) -> None:
    as_yaml = yaml.safe_load(_ours("--cluster-name", "c", "--query", "status", "--output", "yaml"))
    assert set(as_yaml) == {"expirationTimestamp", "token"}
    assert TOKEN.fullmatch(as_yaml["token"])
    table = _ours("--cluster-name", "c", "--query", "status", "--output", "table")
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert [row.split("|")[1].strip() for row in rows] == ["expirationTimestamp", "token"]


def test_query_before_the_command_as_a_global_option(aws_env: AwsEnv) -> None:
    result = run_cli("--query", "kind", "--output", "text", "get-token", "--cluster-name", "c")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ExecCredential\n"


def test_config_output_never_changes_what_kubectl_reads(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[default]\noutput = text\n")
    reply = json.loads(_ours("--cluster-name", "c"))
    assert reply["kind"] == "ExecCredential"


@pytest.mark.parametrize(
    "options",
    [
        ["--debug"],
        ["--no-verify-ssl"],
        ["--cli-connect-timeout", "5"],
        ["--cli-read-timeout", "5"],
        ["--no-cli-pager"],
        ["--color", "off"],
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_aws_cli_global_options_are_accepted(
    aws_env: AwsEnv, options: list[str], where: str
) -> None:
    command = ["get-token", "--cluster-name", "c"]
    args = [*options, *command] if where == "before" else [*command, *options]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "ExecCredential"
    if options == ["--debug"]:
        assert "eks-token: " in result.stderr  # --debug explains, as --verbose does
    elif options[0].endswith("-timeout"):
        assert result.stderr == ""  # applied (to AWS calls; this one needs none): no note
        verbose = run_cli(*args, "-v")
        assert "not applied" not in verbose.stderr
    else:
        assert result.stderr == ""  # the note about an unapplied option is for --verbose only
        verbose = run_cli(*args, "-v")
        assert "accepted and not applied: " + options[0] in verbose.stderr
        assert verbose.stdout.count("\n") == 1


def test_ca_bundle_reaches_the_assume_role_call(aws_env: AwsEnv, tmp_path: Path) -> None:
    """A role makes one HTTPS call (AssumeRole): with --ca-bundle naming the server's CA
    the TLS handshake succeeds (and the local STS refuses the call itself); without it,
    botocore's own CAs do not trust the server."""
    with StsStandin(https=True) as sts:
        bundle = tmp_path / "ca.pem"
        assert sts.tls is not None
        bundle.write_bytes(sts.tls.ca_pem)
        args = ["get-token", "--cluster-name", "c", "--no-cache"]
        args += ["--role-arn", "arn:aws:iam::111122223333:role/r"]
        env = {"AWS_ENDPOINT_URL_STS": sts.url, "AWS_MAX_ATTEMPTS": "1"}
        without = run_cli(*args, extra_env=env)
        with_bundle = run_cli(*args, "--ca-bundle", str(bundle), extra_env=env)
    assert without.returncode == with_bundle.returncode == 1
    assert "certificate" in without.stderr.lower()
    assert "certificate" not in with_bundle.stderr.lower()
    assert sts.recorded  # the call with the bundle reached the server
    for result in (without, with_bundle):
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    "formatting",
    [
        ("--output", "text"),
        ("--output", "table"),
        ("--output", "yaml"),
        # a query's answer is never an ExecCredential: kubectl could not read it
        ("--query", "status.token", "--output", "text"),
        ("--query", "status.token"),
        ("--query", "status", "--output", "yaml"),
    ],
)
def test_run_by_kubectl_the_answer_is_json_whatever_output_says(
    aws_env: AwsEnv, formatting: tuple[str, ...]
) -> None:
    exec_info = '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}'
    result = run_cli(
        "get-token",
        "--cluster-name",
        "c",
        *formatting,
        extra_env={"KUBERNETES_EXEC_INFO": exec_info},
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["apiVersion"] == "client.authentication.k8s.io/v1"
    assert TOKEN.fullmatch(reply["status"]["token"])


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers; closes them all on exit."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()
        self.thread.join(timeout=5)


def test_the_read_timeout_reaches_the_assume_role_call(aws_env: AwsEnv) -> None:
    """An STS that accepts the connection and never answers: with --cli-read-timeout the
    call gives up and says so (botocore's default waits 60 s, past this test's limit)."""
    args = ["get-token", "--cluster-name", "c", "--no-cache", "--cli-read-timeout", "1"]
    args += ["--role-arn", "arn:aws:iam::111122223333:role/r"]
    with SilentServer() as sts:
        env = {**os.environ, "AWS_ENDPOINT_URL_STS": sts.url, "AWS_MAX_ATTEMPTS": "1"}
        result = subprocess.run(
            [str(EKS_TOKEN), *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=40,
            check=False,
        )
        assert sts.accepted  # the call reached the server, which never answered
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "timed out" in lines[0]


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e308", "soon"])
def test_a_timeout_that_is_not_seconds_is_refused(aws_env: AwsEnv, value: str) -> None:
    result = run_cli("get-token", "--cluster-name", "c", "--cli-connect-timeout", value)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: --cli-connect-timeout takes seconds")


@pytest.mark.parametrize(
    "query",
    [
        "(" * 5000 + "kind" + ")" * 5000,
        "[" * 3000 + "kind" + "]" * 3000,
        "kind|" * 5000 + "kind",
        "!" * 5000 + "kind",
        "{a:" * 300 + "kind" + "}" * 300,
        "kind|" * 300 + "kind",  # compiles, but evaluating it would recurse past the limit
    ],
    ids=["parentheses", "brackets", "pipes", "negations", "hashes", "pipes-300"],
)
def test_a_deeply_nested_query_is_one_clean_line(aws_env: AwsEnv, query: str) -> None:
    from tests.support.cli import assert_clean_failure

    result = run_cli("get-token", "--cluster-name", "c", "--query", query)
    assert_clean_failure(result, status=1, mentions=("--query", "nested more than 100 levels"))
    assert "unexpected" not in result.stderr


def test_a_query_nested_a_few_levels_still_runs(aws_env: AwsEnv) -> None:
    query = "(" * 40 + "kind" + ")" * 40
    assert _ours("--cluster-name", "c", "--query", query, "--output", "text") == "ExecCredential\n"


def test_table_is_documented_as_our_own_layout(aws_env: AwsEnv) -> None:
    """`--output table` is a plain key/value table, not the AWS CLI's boxed, titled layout:
    the help and docs/cli.md say so, and the two really differ."""
    args = ("--cluster-name", "c", "--query", "status", "--output", "table")
    assert _shape(_ours(*args)) != _shape(_aws(*args))
    help_text = " ".join(run_cli("get-token", "--help").stdout.split())
    assert "table is a plain key/value table, not the AWS CLI's layout" in help_text
    docs = " ".join((Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text().split())
    assert "prints a plain key/value table, not the AWS CLI's table layout" in docs
    assert "json|text|table|yaml`, and prints what `aws eks get-token` prints" not in docs
