"""Entries that run: `kubeconfig` and `migrate` warn when eks-token is not on PATH, and
`--command-path absolute` writes the running eks-token's path, which kubectl then runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from eks_token.cli.main import main
from tests.doctor_helpers import doctor
from tests.kubeconfig_helpers import MOTO_ACCOUNT, create_cluster, read_yaml, user_exec
from tests.support.api_server import ApiServer, Rule
from tests.support.aws_env import AwsEnv
from tests.support.cli import BIN_DIR
from tests.support.kube import Kubectl, write_kubeconfig
from tests.support.sts_standin import StsStandin

ARN = f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/prod"
ABSOLUTE = str(BIN_DIR / "eks-token")
HEPTIO = {
    "apiVersion": "client.authentication.k8s.io/v1alpha1",
    "command": "heptio-authenticator-aws",
    "args": ["token", "-i", "my-cluster"],
}


@pytest.fixture
def empty_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A PATH without eks-token, as in a shell where its virtualenv is not activated."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.fixture
def eks(aws_env: AwsEnv) -> Iterator[AwsEnv]:
    with mock_aws():
        create_cluster("prod")
        yield aws_env


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_kubeconfig_warns_when_eks_token_is_not_on_path(
    eks: AwsEnv, empty_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "kubeconfig", "--name", "prod")
    assert code == 0
    assert err == (
        f"warning: eks-token is not on PATH, so kubectl cannot run the entry as written: add "
        f"{BIN_DIR} to PATH, or write the absolute path with --command-path absolute\n"
    )
    document = read_yaml(eks.home / ".kube" / "config")
    assert user_exec(document, ARN)["command"] == "eks-token"


def test_kubeconfig_writes_the_absolute_path_when_asked(
    eks: AwsEnv, empty_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "kubeconfig", "--name", "prod", "--command-path", "absolute")
    assert (code, err) == (0, "")
    document = read_yaml(eks.home / ".kube" / "config")
    assert user_exec(document, ARN)["command"] == ABSOLUTE


def test_no_warning_when_eks_token_is_on_path(
    eks: AwsEnv, eks_token_on_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "kubeconfig", "--name", "prod", "--dry-run")[::2] == (0, "")


def test_migrate_with_the_absolute_path_gives_an_entry_kubectl_runs(
    aws_env: AwsEnv,
    empty_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kubectl: Kubectl,
    sts_standin: StsStandin,
) -> None:
    with ApiServer(rules=[Rule("get", "pods", namespace="default")]) as server:
        config = write_kubeconfig(tmp_path / "kc", server.url, server.ca_data, HEPTIO)
        code, out, err = run(capsys, "kubeconfig", "migrate", "--kubeconfig", str(config))
        assert code == 0
        assert "warning: eks-token is not on PATH" in err
        assert out.endswith("migrated 1 user(s)\n")
        # kubectl and the doctor agree that a plain eks-token off PATH does not run
        assert kubectl.run(config, "get", "pods").returncode == 1
        assert not doctor(config, sts_standin).ok
        code, out, err = run(
            capsys,
            "kubeconfig",
            "migrate",
            "--kubeconfig",
            str(config),
            "--command-path",
            "absolute",
        )
        assert (code, err) == (0, "")
        assert f"eks-token token -i my-cluster -> {ABSOLUTE} token -i my-cluster" in out
        assert user_exec(read_yaml(config), "test")["command"] == ABSOLUTE
        result = kubectl.run(config, "get", "pods")
        assert result.returncode == 0, result.stderr
        report = doctor(config, sts_standin)
        assert report.ok, report.render()
        # idempotent either way: the default keeps an absolute eks-token command
        assert run(capsys, "kubeconfig", "migrate", "--kubeconfig", str(config))[1] == (
            f"nothing to migrate in {config}\n"
        )
