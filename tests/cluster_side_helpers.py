"""Tokens, URLs and servers for the cluster-side tests."""

from __future__ import annotations

import base64
import socket
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from eks_token import AwsCredentials, resolve_sts_endpoint, sign_token
from tests.support.api_server import ApiServer
from tests.support.local_server import RecordedRequest, Response
from tests.support.sts_standin import (
    ADMIN_ROLE_SESSION,
    ALICE_USER,
    BOB_FEDERATED,
    EXAMPLE_ACCESS_KEY_ID,
)

SIGNED_AT = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
CLUSTER = "my-cluster"
ALICE = AwsCredentials(EXAMPLE_ACCESS_KEY_ID, ALICE_USER.secret_access_key)
ADMIN_SESSION = AwsCredentials(
    "ASIAROLEEXAMPLE00001", ADMIN_ROLE_SESSION.secret_access_key, ADMIN_ROLE_SESSION.session_token
)
BOB = AwsCredentials(
    "ASIAFEDERATEDEXAMPLE", BOB_FEDERATED.secret_access_key, BOB_FEDERATED.session_token
)
EXEC_ENTRY: Mapping[str, Any] = {
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "command": "eks-token",
    "args": ["token", "-i", CLUSTER],
}


def make_token(
    cluster_id: str = CLUSTER,
    credentials: AwsCredentials = ALICE,
    *,
    region: str | None = "us-west-2",
    when: datetime = SIGNED_AT,
) -> str:
    return sign_token(cluster_id, credentials, resolve_sts_endpoint(region), when).value


def url_of(token: str) -> str:
    body = token.removeprefix("k8s-aws-v1.")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def token_of(url: str) -> str:
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_aws_auth(path: Path, data: Mapping[str, str]) -> Path:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": dict(data),
    }
    path.write_text(yaml.safe_dump(configmap))
    return path


class ConfigMapApiServer(ApiServer):
    """The test API server, also serving kube-system/aws-auth and (optionally) no SSR v1."""

    def __init__(self, aws_auth: Mapping[str, str] | None = None, **options: Any) -> None:
        self.without_versions: set[str] = set(options.pop("without_versions", ()))
        super().__init__(**options)
        self.aws_auth = aws_auth

    def respond(self, request: RecordedRequest) -> Response:
        path = request.path
        if self.authenticate(request.token) is not None:
            if path == "/api/v1/namespaces/kube-system/configmaps/aws-auth":
                if self.aws_auth is None:
                    return Response.json(404, {"kind": "Status", "code": 404})
                body = {"kind": "ConfigMap", "apiVersion": "v1", "data": dict(self.aws_auth)}
                return Response.json(200, body)
            version = path.split("/")[3] if path.startswith("/apis/authentication") else ""
            if version in self.without_versions:
                return Response.json(404, {"kind": "Status", "code": 404})
        return super().respond(request)
