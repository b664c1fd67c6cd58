from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from tests.support.api_server import UNAUTHORIZED, ApiServer, KubeUser, Rule
from tests.support.aws_env import AwsEnv
from tests.support.kube import EXEC_API_VERSIONS, Kubectl, StaticPlugin, WriteKubeconfig
from tests.support.reference_token import mint_token
from tests.support.sigv4_check import Reason

T = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)
UNAUTHORIZED_MESSAGE = "error: You must be logged in to the server (Unauthorized)"


@pytest.fixture
def server(api_server: ApiServer) -> ApiServer:
    api_server.freeze(T + timedelta(seconds=30))
    api_server.rules = [Rule("get", "pods", "default", user="alice")]
    return api_server


@pytest.fixture(params=EXEC_API_VERSIONS)
def kubeconfig(
    request: pytest.FixtureRequest,
    server: ApiServer,
    static_plugin: StaticPlugin,
    write_kubeconfig: WriteKubeconfig,
    aws_env: AwsEnv,
) -> Path:
    static_plugin.set_token(mint_token("my-cluster", when=T))
    entry = static_plugin.exec_entry(str(request.param))
    return write_kubeconfig(server.url, server.ca_data, entry)


def test_whoami_shows_the_mapped_user(
    kubectl: Kubectl, kubeconfig: Path, server: ApiServer, static_plugin: StaticPlugin
) -> None:
    result = kubectl.run(kubeconfig, "auth", "whoami", "-o", "json")
    assert result.returncode == 0, result.stderr
    user_info = json.loads(result.stdout)["status"]["userInfo"]
    assert user_info["username"] == "alice"
    assert user_info["groups"] == ["developers", "system:authenticated"]
    assert set(server.tokens) == {static_plugin.token_file.read_text()}
    assert all(check.ok for check in server.checks)
    exec_info = json.loads(static_plugin.runs()[0])
    assert exec_info["spec"] == {"interactive": False}
    assert exec_info["apiVersion"] in EXEC_API_VERSIONS


def test_whoami_table(kubectl: Kubectl, kubeconfig: Path) -> None:
    result = kubectl.run(kubeconfig, "auth", "whoami")
    assert result.returncode == 0, result.stderr
    assert "alice" in result.stdout.split()


def test_can_i_follows_the_rules(kubectl: Kubectl, kubeconfig: Path) -> None:
    allowed = kubectl.run(kubeconfig, "auth", "can-i", "get", "pods")
    assert (allowed.returncode, allowed.stdout) == (0, "yes\n"), allowed.stderr
    denied = kubectl.run(kubeconfig, "auth", "can-i", "get", "pods", "-n", "kube-system")
    assert (denied.returncode, denied.stdout) == (1, "no\n"), denied.stderr
    denied = kubectl.run(kubeconfig, "auth", "can-i", "delete", "pods")
    assert (denied.returncode, denied.stdout) == (1, "no\n"), denied.stderr


def test_token_for_another_cluster_is_unauthorized(
    kubectl: Kubectl, kubeconfig: Path, server: ApiServer, static_plugin: StaticPlugin
) -> None:
    static_plugin.set_token(mint_token("another-cluster", when=T))
    result = kubectl.run(kubeconfig, "auth", "whoami")
    assert result.returncode == 1
    assert UNAUTHORIZED_MESSAGE in result.stderr
    assert {check.reason for check in server.checks} == {Reason.SIGNATURE_MISMATCH}
    assert len(static_plugin.runs()) >= 2


def test_expired_token_is_unauthorized(
    kubectl: Kubectl, kubeconfig: Path, server: ApiServer
) -> None:
    server.freeze(T + timedelta(minutes=16))
    result = kubectl.run(kubeconfig, "auth", "can-i", "get", "pods")
    assert UNAUTHORIZED_MESSAGE in result.stderr
    assert {check.reason for check in server.checks} == {Reason.EXPIRED}


def get(server: ApiServer, ca_file: Path, path: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(server.url + path, headers=headers, verify=str(ca_file), timeout=10)


@pytest.fixture
def ca_file(server: ApiServer, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_bytes(server.ca_pem)
    return path


def test_missing_or_bad_token_gets_the_api_servers_401(server: ApiServer, ca_file: Path) -> None:
    for token in (None, "k8s-aws-v1.", "Zm9v", mint_token("my-cluster", when=T) + "A"):
        response = get(server, ca_file, "/api/v1/namespaces/default/pods", token)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
    assert [request.token for request in server.recorded][1:] == [
        "k8s-aws-v1.",
        "Zm9v",
        mint_token("my-cluster", when=T) + "A",
    ]


def test_valid_key_without_a_mapping_is_unauthorized(server: ApiServer, ca_file: Path) -> None:
    server.keys["AKIAUNMAPPEDEXAMPLE0"] = "secret"
    token = mint_token(
        "my-cluster", when=T, access_key_id="AKIAUNMAPPEDEXAMPLE0", secret_access_key="secret"
    )
    response = get(server, ca_file, "/version", token)
    assert response.status_code == 401
    assert server.checks[-1].ok
    server.users["AKIAUNMAPPEDEXAMPLE0"] = KubeUser("bob")
    assert get(server, ca_file, "/version", token).status_code == 200


def test_self_subject_review_versions(server: ApiServer, ca_file: Path) -> None:
    server.users["AKIAIOSFODNN7EXAMPLE"] = KubeUser("carol", ("a",), "uid-1", {"k": ["v"]})
    token = mint_token("my-cluster", when=T)
    for version in ("v1", "v1beta1", "v1alpha1"):
        response = requests.post(
            f"{server.url}/apis/authentication.k8s.io/{version}/selfsubjectreviews",
            headers={"Authorization": f"Bearer {token}"},
            json={"kind": "SelfSubjectReview"},
            verify=str(ca_file),
            timeout=10,
        )
        assert response.status_code == 201
        assert response.json()["apiVersion"] == f"authentication.k8s.io/{version}"
        assert response.json()["status"]["userInfo"] == {
            "username": "carol",
            "uid": "uid-1",
            "groups": ["a", "system:authenticated"],
            "extra": {"k": ["v"]},
        }


def test_python_kubernetes_client_lists_pods(server: ApiServer, ca_file: Path) -> None:
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = server.url
    configuration.ssl_ca_cert = str(ca_file)
    token = mint_token("my-cluster", when=T)
    configuration.api_key = {"authorization": token}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    with client.ApiClient(configuration) as api:
        pods = client.CoreV1Api(api).list_namespaced_pod("default")
    assert pods.items == []
    assert server.recorded[-1].path == "/api/v1/namespaces/default/pods"
    assert server.recorded[-1].token == token
