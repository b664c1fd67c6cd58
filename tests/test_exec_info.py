from __future__ import annotations

import json

import pytest

from eks_token import errors, read_exec_info
from eks_token.token import API_V1, API_V1ALPHA1, API_V1BETA1


def _info(payload: object) -> dict[str, str]:
    return {"KUBERNETES_EXEC_INFO": json.dumps(payload)}


def test_missing_and_blank_mean_v1beta1_silently() -> None:
    for env in ({}, {"KUBERNETES_EXEC_INFO": "  "}):
        info = read_exec_info(env)
        assert (info.api_version, info.warning, info.cluster) == (API_V1BETA1, None, None)


def test_v1_with_interactive_and_cluster() -> None:
    info = read_exec_info(
        _info(
            {
                "apiVersion": API_V1,
                "spec": {
                    "interactive": True,
                    "cluster": {
                        "server": "https://k8s.example:6443",
                        "certificate-authority-data": "Q0E=",
                        "tls-server-name": "k8s.internal",
                        "proxy-url": "http://proxy:3128",
                        "config": {"cluster-id": " prod ", "region": "eu-west-1"},
                    },
                },
            }
        )
    )
    assert info.api_version == API_V1
    assert info.interactive is True
    assert info.warning is None
    cluster = info.cluster
    assert cluster is not None
    assert cluster.server == "https://k8s.example:6443"
    assert cluster.certificate_authority_data == "Q0E="
    assert cluster.tls_server_name == "k8s.internal"
    assert cluster.proxy_url == "http://proxy:3128"
    assert (cluster.cluster_id(), cluster.region()) == ("prod", "eu-west-1")


def test_cluster_name_is_accepted_as_the_cluster_id_key() -> None:
    info = read_exec_info(
        _info({"apiVersion": API_V1, "spec": {"cluster": {"config": {"cluster-name": "dev"}}}})
    )
    assert info.cluster is not None
    assert info.cluster.cluster_id() == "dev"
    assert info.cluster.region() is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "no cluster id"),
        ({}, "no cluster-id"),
        ({"cluster-id": ""}, "no cluster-id"),
        ({"cluster-id": 7}, "no cluster-id"),
        (["prod"], "must be a mapping"),
    ],
)
def test_bad_extensions_name_the_fix(config: object, message: str) -> None:
    cluster: dict[str, object] = {"server": "https://x"}
    if config is not None:
        cluster["config"] = config
    info = read_exec_info(_info({"apiVersion": API_V1, "spec": {"cluster": cluster}}))
    assert info.cluster is not None
    with pytest.raises(errors.ExecInfoError, match=message):
        info.cluster.cluster_id()


def test_region_must_be_a_string() -> None:
    info = read_exec_info(
        _info(
            {
                "apiVersion": API_V1,
                "spec": {"cluster": {"config": {"cluster-id": "a", "region": 1}}},
            }
        )
    )
    assert info.cluster is not None
    with pytest.raises(errors.ExecInfoError, match="region"):
        info.cluster.region()


@pytest.mark.parametrize(
    ("raw", "version", "warning"),
    [
        (json.dumps({"apiVersion": API_V1ALPHA1}), API_V1ALPHA1, "deprecated"),
        (json.dumps({"apiVersion": "v2"}), API_V1BETA1, "unknown apiVersion 'v2'"),
        (json.dumps({"spec": {}}), API_V1BETA1, "unknown apiVersion None"),
        ("[]", API_V1BETA1, "not a JSON object"),
        ("null", API_V1BETA1, "not a JSON object"),
        ("{", API_V1BETA1, "not valid JSON"),
    ],
)
def test_fallbacks_carry_one_warning(raw: str, version: str, warning: str) -> None:
    info = read_exec_info({"KUBERNETES_EXEC_INFO": raw})
    assert info.api_version == version
    assert info.warning is not None
    assert warning in info.warning
    assert "\n" not in info.warning
