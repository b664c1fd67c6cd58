from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from kubernetes.client import ApiClient, CoreV1Api
from moto import mock_aws

from eks_token.core.credentials import AwsCredentials
from eks_token.core.token import TOKEN_LIFETIME
from eks_token.errors import ClusterError, InvalidInputError, KubeconfigError
from eks_token.inprocess.provider import TokenProvider
from eks_token.transport.kubernetes_client import (
    api_client_for_cluster,
    api_client_from_kubeconfig,
)
from tests.manual_clock import START, ManualClock
from tests.support.api_server import ApiServer
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, AwsEnv
from tests.support.kube import StaticPlugin, WriteKubeconfig
from tests.support.sigv4_check import check_token

CLUSTER = "my-cluster"
KEYS = {EXAMPLE_ACCESS_KEY_ID: EXAMPLE_SECRET_ACCESS_KEY}
OTHER_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
OTHER_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"


@pytest.fixture
def server(api_server: ApiServer, clock: ManualClock) -> ApiServer:
    api_server.now = clock
    return api_server


def list_pods(client: ApiClient) -> list[Any]:
    items: list[Any] = CoreV1Api(client).list_namespaced_pod("default").items
    return items


def test_calls_past_15_minutes_carry_a_fresh_token(
    server: ApiServer, clock: ManualClock, aws_env: AwsEnv
) -> None:
    with api_client_for_cluster(
        CLUSTER,
        server=server.url,
        certificate_authority_data=server.ca_pem,
        region="us-west-2",
        clock=clock,
    ) as client:
        assert list_pods(client) == []
        clock.advance(timedelta(minutes=16))
        assert list_pods(client) == []
    first, second = server.tokens
    assert first != second
    assert [check.ok for check in server.checks] == [True, True]
    assert [check.signing_time for check in server.checks] == [START, clock()]


def test_every_copy_of_the_configuration_uses_the_one_provider(
    server: ApiServer, clock: ManualClock, aws_env: AwsEnv
) -> None:
    provider = TokenProvider(CLUSTER, region="us-west-2", clock=clock)
    with api_client_for_cluster(
        CLUSTER, server=server.url, certificate_authority_data=server.ca_pem, provider=provider
    ) as client:
        copy = ApiClient(client.configuration.__deepcopy__({}))
        with copy:
            assert list_pods(copy) == []
        assert list_pods(client) == []
    assert provider.refresh_count == 1
    assert len(set(server.tokens)) == 1


def create_moto_cluster(name: str) -> dict[str, Any]:
    eks = botocore.session.Session().create_client("eks", region_name="us-west-2")
    cluster: dict[str, Any] = eks.create_cluster(
        name=name,
        roleArn="arn:aws:iam::123456789012:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-1234"]},
    )["cluster"]
    return cluster


def test_describe_cluster_gives_the_endpoint_and_ca(aws_env: AwsEnv, clock: ManualClock) -> None:
    with mock_aws():
        created = create_moto_cluster("dev")
        # moto invents a CA that is random base64, not a certificate: report it as such.
        with pytest.raises(ClusterError, match="PEM") as caught:
            api_client_for_cluster("dev", clock=clock)
        assert caught.value.cluster == "dev"
        pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        plant_ca(created["arn"], "dev", pem)
        with api_client_for_cluster("dev", clock=clock) as client:
            configuration = client.configuration
        # mock_aws swaps in its own fake keys; the token is signed with them.
        keys = {os.environ["AWS_ACCESS_KEY_ID"]: os.environ["AWS_SECRET_ACCESS_KEY"]}
    assert configuration.host == created["endpoint"].rstrip("/")
    assert configuration.ca_cert_data == pem.decode()
    bearer = configuration.api_key["BearerToken"]
    assert bearer.startswith("Bearer k8s-aws-v1.")
    result = check_token(bearer.removeprefix("Bearer "), cluster_id="dev", keys=keys, now=clock())
    assert result.ok, result.reason
    assert result.region == "us-west-2"


def plant_ca(arn: str, name: str, pem: bytes) -> None:
    """Give the moto cluster a CA in the shape EKS returns: base64 of PEM."""
    from moto.eks.models import eks_backends

    account = arn.split(":")[4]
    backend = eks_backends[account]["us-west-2"]
    backend.clusters[name].certificate_authority = {"data": base64.b64encode(pem).decode()}


def test_an_unknown_cluster_is_a_cluster_error(aws_env: AwsEnv) -> None:
    with mock_aws(), pytest.raises(ClusterError, match="missing") as caught:
        api_client_for_cluster("missing")
    assert caught.value.cluster == "missing"


TOOL_ENTRIES: Mapping[str, Mapping[str, Any]] = {
    "eks-token": {
        "apiVersion": "client.authentication.k8s.io/v1",
        "interactiveMode": "Never",
        "command": "eks-token",
        "args": ["token", "-i", CLUSTER, "--region", "us-west-2"],
    },
    "aws-iam-authenticator": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws-iam-authenticator",
        "args": ["token", "-i", CLUSTER],
        "env": [{"name": "AWS_REGION", "value": "us-west-2"}],
    },
    "heptio-authenticator-aws": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "heptio-authenticator-aws",
        "args": ["token", "-i", CLUSTER],
    },
    "aws eks get-token": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws",
        "args": [
            "--region",
            "us-west-2",
            "eks",
            "get-token",
            "--cluster-name",
            CLUSTER,
            "--output",
            "json",
        ],
        "env": [{"name": "AWS_PROFILE", "value": "team"}],
    },
}


@pytest.mark.parametrize("tool", list(TOOL_ENTRIES))
@pytest.mark.usefixtures("no_plugins_on_path")
def test_kubeconfig_exec_entries_run_in_process(
    tool: str,
    server: ApiServer,
    clock: ManualClock,
    aws_env: AwsEnv,
    write_kubeconfig: WriteKubeconfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if tool == "aws eks get-token":
        # The entry's AWS_PROFILE signs, as it does for the AWS CLI, when the environment
        # has no keys (keys there would come first: tests/test_identity_agreement.py).
        aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
        aws_env.credentials_file.write_text(
            f"[team]\naws_access_key_id = {EXAMPLE_ACCESS_KEY_ID}\n"
            f"aws_secret_access_key = {EXAMPLE_SECRET_ACCESS_KEY}\n"
        )
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    path = write_kubeconfig(server.url, server.ca_data, TOOL_ENTRIES[tool])
    with api_client_from_kubeconfig(kubeconfig=str(path), clock=clock) as client:
        assert list_pods(client) == []
        clock.advance(TOKEN_LIFETIME + timedelta(minutes=1))
        assert list_pods(client) == []
    assert [check.ok for check in server.checks] == [True, True]
    assert [check.access_key_id for check in server.checks] == [EXAMPLE_ACCESS_KEY_ID] * 2
    assert [check.signing_time for check in server.checks] == [START, clock()]


@pytest.mark.usefixtures("no_plugins_on_path")
def test_the_cluster_id_can_come_from_the_exec_extension(
    server: ApiServer, clock: ManualClock, aws_env: AwsEnv, tmp_path: Path
) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": server.url,
                    "certificate-authority-data": server.ca_data,
                    "extensions": [
                        {
                            "name": "client.authentication.k8s.io/exec",
                            "extension": {"cluster-id": CLUSTER, "region": "us-west-2"},
                        }
                    ],
                },
            }
        ],
        "users": [
            {
                "name": "u",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1",
                        "interactiveMode": "Never",
                        "provideClusterInfo": True,
                        "command": "eks-token",
                        "args": ["token"],
                    }
                },
            }
        ],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    with api_client_from_kubeconfig("ctx", str(path), clock=clock) as client:
        assert list_pods(client) == []
    assert server.checks[0].ok


def test_a_context_running_another_plugin_is_refused(
    server: ApiServer,
    aws_env: AwsEnv,
    static_plugin: StaticPlugin,
    write_kubeconfig: WriteKubeconfig,
) -> None:
    path = write_kubeconfig(server.url, server.ca_data, static_plugin.exec_entry())
    with pytest.raises(KubeconfigError, match="new_client_from_config"):
        api_client_from_kubeconfig(kubeconfig=str(path))


def test_arguments_it_does_not_understand_are_refused(
    server: ApiServer, aws_env: AwsEnv, write_kubeconfig: WriteKubeconfig
) -> None:
    entry = {**TOOL_ENTRIES["aws-iam-authenticator"], "args": ["token", "-i", CLUSTER, "--xyz"]}
    path = write_kubeconfig(server.url, server.ca_data, entry)
    with pytest.raises(KubeconfigError, match="--xyz"):
        api_client_from_kubeconfig(kubeconfig=str(path))


@pytest.fixture
def explicit_provider(aws_env: AwsEnv, clock: ManualClock) -> TokenProvider:
    credentials = AwsCredentials(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY)
    return TokenProvider(CLUSTER, credentials=credentials, region="us-west-2", clock=clock)


def test_the_configuration_never_shows_the_token(
    server: ApiServer, explicit_provider: TokenProvider
) -> None:
    with api_client_for_cluster(
        CLUSTER,
        server=server.url,
        certificate_authority_data=server.ca_pem,
        provider=explicit_provider,
    ) as client:
        hook = client.configuration.refresh_api_key_hook
        assert explicit_provider.token().value not in repr(hook)


# --- the cluster's CA: PEM, its base64 (a kubeconfig's form) or a file; nothing else --------


@pytest.mark.parametrize("form", ["pem bytes", "pem text", "base64", "file"])
def test_the_ca_is_taken_as_pem_as_its_base64_or_from_a_file(
    server: ApiServer, clock: ManualClock, aws_env: AwsEnv, tmp_path: Path, form: str
) -> None:
    forms: dict[str, dict[str, Any]] = {
        "pem bytes": {"certificate_authority_data": server.ca_pem},
        "pem text": {"certificate_authority_data": server.ca_pem.decode("ascii")},
        "base64": {"certificate_authority_data": base64.b64encode(server.ca_pem).decode()},
    }
    ca = forms.get(form, {})
    if form == "file":
        (tmp_path / "ca.pem").write_bytes(server.ca_pem)
        ca = {"certificate_authority_file": tmp_path / "ca.pem"}
    with api_client_for_cluster(
        CLUSTER, server=server.url, region="us-west-2", clock=clock, **ca
    ) as client:
        assert list_pods(client) == []


@pytest.mark.parametrize(
    ("given", "names"),
    [
        ("/home/me/ca.pem", "a file path"),
        (b"\x30\x82\x01\x0a", "DER"),
        ("not a certificate", "neither PEM nor the base64 of PEM"),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "not valid CA"),
    ],
)
def test_any_other_ca_is_refused_when_the_client_is_made(
    aws_env: AwsEnv, given: bytes | str, names: str
) -> None:
    with pytest.raises(InvalidInputError, match=names) as caught:
        api_client_for_cluster(
            CLUSTER, server="https://127.0.0.1:9", certificate_authority_data=given
        )
    assert caught.value.option == "certificate_authority_data"


def test_a_missing_ca_file_is_refused_when_the_client_is_made(
    aws_env: AwsEnv, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        api_client_for_cluster(
            CLUSTER, server="https://127.0.0.1:9", certificate_authority_file=tmp_path / "x.pem"
        )
