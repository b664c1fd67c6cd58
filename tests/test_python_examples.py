"""The examples/ scripts run, in-process, against the local API server."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import pytest

from tests.support.api_server import ApiServer
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, AwsEnv
from tests.support.kube import WriteKubeconfig
from tests.support.sigv4_check import check_token

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
Main = Callable[[Sequence[str]], int]


def example_main(name: str) -> Main:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(Main, module.main)


@pytest.fixture
def ca_file(api_server: ApiServer, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_bytes(api_server.ca_pem)
    return path


@pytest.mark.parametrize("name", ["list_pods_kubernetes", "list_pods_requests"])
def test_list_pods_examples(
    name: str,
    api_server: ApiServer,
    ca_file: Path,
    aws_env: AwsEnv,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["my-cluster", "--server", api_server.url, "--ca-file", str(ca_file)]
    assert example_main(name)(argv) == 0
    assert [request.path for request in api_server.recorded] == ["/api/v1/namespaces/default/pods"]
    assert api_server.checks[0].ok
    assert capsys.readouterr().err == ""


def test_list_pods_example_reports_errors(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    assert example_main("list_pods_requests")(["  "]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_many_clusters_example(aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]) -> None:
    assert example_main("tokens_for_many_clusters")(["alpha", "beta", "gamma"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"signing as {EXAMPLE_ACCESS_KEY_ID} for sts.us-west-2.amazonaws.com"
    assert [line.split("\t")[0] for line in lines[1:]] == ["alpha", "beta", "gamma"]
    assert all("k8s-aws-v1." not in line for line in lines)


def test_kubeconfig_exec_example(
    api_server: ApiServer,
    aws_env: AwsEnv,
    write_kubeconfig: WriteKubeconfig,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    entry = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws-iam-authenticator",
        "args": ["token", "-i", "my-cluster"],
    }
    path = write_kubeconfig(api_server.url, api_server.ca_data, entry)
    assert example_main("kubeconfig_exec")(["--kubeconfig", str(path)]) == 0
    token = api_server.tokens[0]
    assert token is not None
    keys = {EXAMPLE_ACCESS_KEY_ID: aws_env.secret_access_key}
    result = check_token(token, cluster_id="my-cluster", keys=keys, now=api_server.now())
    assert result.ok
