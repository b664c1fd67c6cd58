"""The cluster-side commands: decode, verify, map, whoami, can-i, doctor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_token.cli.main import main
from tests.cluster_side_helpers import (
    EXEC_ENTRY,
    ConfigMapApiServer,
    make_token,
    token_of,
    url_of,
    write_aws_auth,
    write_shared_user_kubeconfig,
)
from tests.support import kube
from tests.support.api_server import ApiServer, Rule
from tests.support.aws_env import AwsEnv
from tests.support.cli import run_cli
from tests.support.sts_standin import StsStandin

ACCOUNT = "111122223333"


def fresh_token() -> str:
    """A token the stand-ins, which run on the real clock, accept."""
    return make_token(when=datetime.now(timezone.utc) - timedelta(seconds=5))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_decode_valid(capsys: pytest.CaptureFixture[str]) -> None:
    token = fresh_token()
    status, out, _ = run(capsys, "decode", token)
    report = json.loads(out)
    assert status == 0
    assert (report["valid"], report["access_key_id"]) == (True, "AKIAIOSFODNN7EXAMPLE")
    assert url_of(token).rsplit("=", 1)[1] not in out


def test_decode_reports_every_failed_rule(capsys: pytest.CaptureFixture[str]) -> None:
    url = url_of(make_token()).replace("https://", "http://") + "&Evil=1"
    status, out, err = run(capsys, "decode", token_of(url))
    assert status == 1
    rules = [f["rule"] for f in json.loads(out)["failed_rules"]]
    assert rules == ["scheme", "parameter", "expired"]
    assert err == "error: the token breaks: scheme, parameter, expired\n"


def test_decode_from_stdin_in_a_child_process() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "eks_token", "decode", "-"],
        input=fresh_token(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True


@pytest.mark.parametrize("command", ["decode", "verify"])
def test_a_token_that_is_not_utf8_breaks_the_base64_rule(command: str) -> None:
    import os
    import subprocess
    import sys

    extra = ["-i", "my-cluster"] if command == "verify" else []
    for source in ("argv", "stdin"):
        argv = [sys.executable, "-m", "eks_token", command, *extra]
        argv.append(os.fsdecode(b"k8s-aws-v1.\xff") if source == "argv" else "-")
        result = subprocess.run(
            argv,
            input=b"k8s-aws-v1.\xff" if source == "stdin" else None,
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
            timeout=60,
            check=False,
        )
        assert result.returncode == 1, (source, result.stderr)
        assert b"base64" in result.stderr, (source, result.stderr)
        assert b"unexpected" not in result.stderr


def test_verify_prints_the_identity(capsys: pytest.CaptureFixture[str]) -> None:
    with StsStandin() as standin:
        status, out, err = run(
            capsys, "verify", "-i", "my-cluster", "--sts-endpoint-url", standin.url, fresh_token()
        )
    assert (status, err) == (0, "")
    assert json.loads(out)["canonical_arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_verify_failure_is_one_line_without_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    token = fresh_token()
    with StsStandin() as standin:
        status, out, err = run(
            capsys, "verify", "-i", "other", "--sts-endpoint-url", standin.url, token
        )
    assert (status, out) == (1, "")
    assert err.startswith("error: STS rejected the token (HTTP 403): SignatureDoesNotMatch")
    assert "the token was signed for a cluster id other than 'other', or altered" in err
    assert err.count("\n") == 1
    assert token[20:60] not in err


def test_verify_hostile_token_in_a_child_process() -> None:
    hostile = token_of(url_of(make_token()) + "&x-amz-credential=AKIAEVIL")
    result = run_cli("verify", "-i", "my-cluster", hostile)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "error: the query repeats the parameter 'x-amz-credential'\n"


def test_verify_needs_a_cluster_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["verify", "tok"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.startswith("error: the following arguments are required")


def test_map_an_arn(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_aws_auth(
        tmp_path / "aws-auth.yaml",
        {
            "mapRoles": f"- rolearn: arn:aws:iam::{ACCOUNT}:role/Dev\n"
            "  username: dev:{{SessionName}}\n  groups: [devs]\n"
            f"- rolearn: arn:aws:iam::{ACCOUNT}:role/team/Ops\n  username: ops\n"
        },
    )
    arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/Dev/alice@example.com"
    status, out, err = run(capsys, "map", "--aws-auth", str(path), "--arn", arn)
    assert status == 0
    assert json.loads(out)["username"] == "dev:alice-example.com"
    assert json.loads(out)["groups"] == ["devs"]
    assert "warning: mapRoles entry 'arn:aws:iam::111122223333:role/team/Ops'" in err

    status, out, err = run(
        capsys, "map", "--aws-auth", str(path), "--arn", f"arn:aws:iam::{ACCOUNT}:user/bob"
    )
    assert (status, out) == (1, "")
    assert f"error: arn:aws:iam::{ACCOUNT}:user/bob is not mapped" in err


def test_map_a_token(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_aws_auth(
        tmp_path / "aws-auth.yaml",
        {
            "mapUsers": f"- userarn: arn:aws:iam::{ACCOUNT}:user/alice\n"
            "  username: '{{AccessKeyID}}'"
        },
    )
    with StsStandin() as standin:
        status, out, err = run(
            capsys,
            "map",
            "--aws-auth",
            str(path),
            "--token",
            fresh_token(),
            "-i",
            "my-cluster",
            "--sts-endpoint-url",
            standin.url,
        )
    assert status == 0, err
    assert json.loads(out)["username"] == "AKIAIOSFODNN7EXAMPLE"


def test_map_a_bad_arn(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_aws_auth(tmp_path / "aws-auth.yaml", {})
    status, out, err = run(
        capsys, "map", "--aws-auth", str(path), "--arn", "arn:aws:s3::111122223333:b"
    )
    assert (status, out) == (1, "")
    assert "not an identity service" in err


@pytest.fixture
def cluster(
    aws_env: AwsEnv, tmp_path: Path, eks_token_on_path: str
) -> Iterator[tuple[ApiServer, Path]]:
    rules = [Rule("get", "pods", namespace="default")]
    with ApiServer(rules=rules) as server:
        config = kube.write_kubeconfig(
            tmp_path / "kubeconfig", server.url, server.ca_data, EXEC_ENTRY
        )
        yield server, config


def test_whoami(capsys: pytest.CaptureFixture[str], cluster: tuple[ApiServer, Path]) -> None:
    _, config = cluster
    status, out, err = run(capsys, "whoami", "--kubeconfig", str(config))
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "Username: alice"
    status, out, _ = run(capsys, "whoami", "--kubeconfig", str(config), "--json")
    assert json.loads(out)["groups"] == ["developers", "system:authenticated"]


def test_whoami_unmapped(
    capsys: pytest.CaptureFixture[str], cluster: tuple[ApiServer, Path]
) -> None:
    server, config = cluster
    server.users.clear()
    status, out, err = run(capsys, "whoami", "--kubeconfig", str(config))
    assert (status, out) == (1, "")
    assert "401 Unauthorized" in err
    assert "run 'eks-token doctor' to find which" in err


def test_can_i_unmapped_points_to_the_doctor(
    capsys: pytest.CaptureFixture[str], cluster: tuple[ApiServer, Path]
) -> None:
    server, config = cluster
    server.users.clear()
    status, out, err = run(capsys, "can-i", "get", "pods", "--kubeconfig", str(config))
    assert (status, out) == (1, "")
    assert "401 Unauthorized" in err
    assert "run 'eks-token doctor' to find which" in err
    assert err.count("\n") == 1


def test_can_i(capsys: pytest.CaptureFixture[str], cluster: tuple[ApiServer, Path]) -> None:
    _, config = cluster
    assert run(capsys, "can-i", "get", "pods", "--kubeconfig", str(config)) == (0, "yes\n", "")
    no = run(capsys, "can-i", "delete", "pods", "-n", "kube-system", "--kubeconfig", str(config))
    assert no == (1, "no\n", "")


def test_doctor_human_and_json(
    capsys: pytest.CaptureFixture[str], cluster: tuple[ApiServer, Path]
) -> None:
    _, config = cluster
    with StsStandin() as standin:
        args = ["doctor", "--kubeconfig", str(config), "--sts-endpoint-url", standin.url]
        args.append("--no-access-entries")
        status, out, err = run(capsys, *args)
        assert status == 0, out + err
        assert out.splitlines()[-2:] == [
            "all checks passed",
            "next: nothing: kubectl authenticates with this context",
        ]
        status, out, _ = run(capsys, *args, "--json", "--verb", "delete")
    report = json.loads(out)
    assert (status, report["ok"], report["failed"]) == (1, False, "authorization")
    assert report["checks"][-1]["name"] == "authorization"
    assert report["next_step"] == report["checks"][-1]["fix"]
    token_check = next(c for c in report["checks"] if c["name"] == "token")
    assert isinstance(token_check["details"]["length"], int)


def test_whoami_can_i_and_map_with_the_shared_user_layout(
    capsys: pytest.CaptureFixture[str], aws_env: AwsEnv, tmp_path: Path, eks_token_on_path: str
) -> None:
    aws_auth = {"mapUsers": f"- userarn: arn:aws:iam::{ACCOUNT}:user/alice\n  username: alice"}
    rules = [Rule("get", "pods", namespace="default")]
    with ConfigMapApiServer(aws_auth, rules=rules) as server:
        config = write_shared_user_kubeconfig(
            tmp_path / "kubeconfig", server.url, server.ca_data, region="eu-west-1"
        )
        status, out, err = run(capsys, "whoami", "--kubeconfig", str(config))
        assert (status, err) == (0, "")
        assert out.splitlines()[0] == "Username: alice"
        assert run(capsys, "can-i", "get", "pods", "--kubeconfig", str(config)) == (0, "yes\n", "")
        arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
        status, out, err = run(
            capsys, "map", "--from-cluster", "--kubeconfig", str(config), "--arn", arn
        )
        assert (status, err) == (0, "")
        assert json.loads(out)["username"] == "alice"
        hosts = {url_of(token).split("/")[2] for token in server.tokens if token}
    assert hosts == {"sts.eu-west-1.amazonaws.com"}


def test_shared_user_layout_without_provide_cluster_info(
    capsys: pytest.CaptureFixture[str], aws_env: AwsEnv, tmp_path: Path, eks_token_on_path: str
) -> None:
    config = write_shared_user_kubeconfig(
        tmp_path / "kubeconfig", "https://127.0.0.1:1", "", provide_cluster_info=False
    )
    status, out, err = run(capsys, "whoami", "--kubeconfig", str(config))
    assert (status, out) == (1, "")
    assert "names no cluster id" in err


def test_commands_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("decode", "verify", "map", "whoami", "can-i", "doctor"):
        assert f"  {name} " in out
