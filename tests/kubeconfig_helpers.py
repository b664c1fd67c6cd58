"""Shared pieces of the kubeconfig tests: moto's EKS and STS, and kubectl running eks-token."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import botocore.session
import yaml

from tests.support.api_server import KubeUser

MOTO_ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{MOTO_ACCOUNT}:role/admin"
ROLE_USER = KubeUser("admin", ("system:masters",))


def create_cluster(
    name: str,
    region: str = "us-west-2",
    *,
    endpoint_url: str | None = None,
    server_url: str | None = None,
    ca_data: str | None = None,
    status: str | None = None,
) -> str:
    """Create an EKS cluster through moto's EKS API; returns its ARN.

    moto makes up the endpoint and CA and always reports ACTIVE; ``server_url``,
    ``ca_data`` and ``status`` overwrite them in moto's backend, the fake's own state.
    """
    client = botocore.session.get_session().create_client(
        "eks", region_name=region, endpoint_url=endpoint_url
    )
    answer = client.create_cluster(
        name=name,
        roleArn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": []},
    )
    from moto.eks.models import eks_backends

    cluster = eks_backends[MOTO_ACCOUNT][region].clusters[name]
    if server_url is not None:
        cluster.endpoint = server_url
    if ca_data is not None:
        cluster.certificate_authority = {"data": ca_data}
    if status is not None:
        cluster.status = status
    return str(answer["cluster"]["arn"])


class AssumedRoleKeys(dict[str, str]):
    """Secret keys for the API server: the example keys plus every role moto's STS handed out."""

    def get(self, key: str, default: Any = None) -> Any:
        from moto.sts.models import sts_backends

        for role in sts_backends[MOTO_ACCOUNT]["aws"].assumed_roles:
            if role.access_key_id == key:
                return role.secret_access_key
        return super().get(key, default)


class AssumedRoleUsers(dict[str, KubeUser]):
    """Maps every access key of a role moto's STS handed out to ROLE_USER."""

    def get(self, key: str, default: Any = None) -> Any:
        if AssumedRoleKeys().get(key) is not None:
            return ROLE_USER
        return super().get(key, default)


def plugin_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """kubectl's environment with this venv's bin first, so ``eks-token`` runs by name."""
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    env.update(extra or {})
    return env


def read_yaml(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def user_exec(document: dict[str, Any], user: str) -> dict[str, Any]:
    for item in document["users"]:
        if item["name"] == user:
            result: dict[str, Any] = item["user"]["exec"]
            return result
    raise AssertionError(f"no user {user} in {document}")
