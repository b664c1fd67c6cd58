"""One function turns a kubeconfig context into what its exec plugin would sign: the
kubernetes client loader, whoami/can-i/map and the doctor all use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient, CoreV1Api

from eks_token.errors import ContextEntryError, KubeconfigError
from eks_token.inprocess.context_token import request_for_context
from eks_token.kubeconfig.files import load_context
from eks_token.transport.kubernetes_client import api_client_from_kubeconfig, provider_for_context
from tests.cluster_side_helpers import CLUSTER, url_of, write_shared_user_kubeconfig
from tests.manual_clock import ManualClock
from tests.support import kube
from tests.support.api_server import ApiServer
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, AwsEnv
from tests.support.kube import WriteKubeconfig

OTHER_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
OTHER_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"


def list_pods(client: ApiClient) -> list[Any]:
    items: list[Any] = CoreV1Api(client).list_namespaced_pod("default").items
    return items


@pytest.fixture
def server(api_server: ApiServer, clock: ManualClock) -> ApiServer:
    api_server.now = clock
    return api_server


@pytest.mark.usefixtures("no_plugins_on_path")
def test_the_entry_env_is_the_environment_the_token_is_signed_in(
    server: ApiServer,
    clock: ManualClock,
    aws_env: AwsEnv,
    write_kubeconfig: WriteKubeconfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The process has keys the server does not know; the entry's env has the mapped ones.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", OTHER_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", OTHER_SECRET)
    monkeypatch.delenv("AWS_REGION")
    env = {
        "AWS_ACCESS_KEY_ID": EXAMPLE_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": EXAMPLE_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    entry = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-token",
        "args": ["token", "-i", CLUSTER],
        "env": [{"name": k, "value": v} for k, v in env.items()],
    }
    path = write_kubeconfig(server.url, server.ca_data, entry)
    with api_client_from_kubeconfig(kubeconfig=str(path), clock=clock) as client:
        assert list_pods(client) == []
    assert [check.access_key_id for check in server.checks] == [EXAMPLE_ACCESS_KEY_ID]
    token = server.tokens[-1]
    assert token is not None
    assert url_of(token).startswith("https://sts.eu-west-1.amazonaws.com/?")


def test_the_shared_user_layout_needs_provide_cluster_info(
    server: ApiServer, aws_env: AwsEnv, tmp_path: Path
) -> None:
    path = write_shared_user_kubeconfig(
        tmp_path / "kubeconfig", server.url, server.ca_data, provide_cluster_info=False
    )
    with pytest.raises(KubeconfigError, match="provideClusterInfo: true"):
        provider_for_context(load_context(None, str(path)))


@pytest.mark.usefixtures("no_plugins_on_path")
def test_the_shared_user_layout_signs_for_the_extension_region(
    aws_env: AwsEnv, tmp_path: Path, clock: ManualClock
) -> None:
    path = write_shared_user_kubeconfig(
        tmp_path / "kubeconfig", "https://127.0.0.1:1", "", region="ap-south-1"
    )
    provider = provider_for_context(load_context(None, str(path)), clock=clock)
    assert provider.cluster_id == CLUSTER
    assert url_of(provider.token().value).startswith("https://sts.ap-south-1.amazonaws.com/?")


def test_the_invocation_of_a_shared_user_context(aws_env: AwsEnv, tmp_path: Path) -> None:
    path = write_shared_user_kubeconfig(
        tmp_path / "kubeconfig", "https://127.0.0.1:1", "", region="eu-west-1"
    )
    _, request = request_for_context(
        load_context(None, str(path)), {"AWS_REGION": "us-east-2", "KEEP": "1"}
    )
    assert (request.cluster_id, request.options.region) == (CLUSTER, "eu-west-1")
    assert request.environ == {"AWS_REGION": "us-east-2", "KEEP": "1"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "-i", CLUSTER, "--xyz"], "not understood: --xyz"),
        (["token"], "names no cluster id"),
    ],
)
def test_entries_that_cannot_be_signed_for(
    aws_env: AwsEnv, tmp_path: Path, args: list[str], message: str
) -> None:
    entry = {"command": "eks-token", "args": args}
    path = kube.write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:1", "", entry)
    with pytest.raises(ContextEntryError, match=message) as caught:
        request_for_context(load_context(None, str(path)))
    assert caught.value.fix
    assert str(path) == caught.value.path


def test_a_malformed_exec_extension_is_a_kubeconfig_error(aws_env: AwsEnv, tmp_path: Path) -> None:
    path = write_shared_user_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:1", "")
    text = path.read_text().replace("cluster-id: my-cluster", "cluster-name-typo: my-cluster")
    path.write_text(text)
    with pytest.raises(KubeconfigError, match="has no cluster-id"):
        request_for_context(load_context(None, str(path)))
