"""Tokens, URLs and servers for the cluster-side tests."""

from __future__ import annotations

import base64
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
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
    """The token of ``url``; lone surrogates become the (invalid UTF-8) bytes they stand for."""
    raw = url.encode("utf-8", "surrogatepass")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A valid token, and hostile variants of it: shared by the rule and verifier tests.
VALID = make_token()
VALID_URL = url_of(VALID)


def replace_param(url: str, name: str, value: str | None) -> str:
    """Set (or with None drop) the parameter ``name``, keeping the others as they are."""
    base, _, query = url.partition("?")
    pieces = []
    for piece in query.split("&"):
        if piece.split("=", 1)[0] == name:
            if value is not None:
                pieces.append(f"{name}={value}")
        else:
            pieces.append(piece)
    return f"{base}?{'&'.join(pieces)}"


def with_host(host: str) -> str:
    return token_of(VALID_URL.replace("sts.us-west-2.amazonaws.com", host, 1))


HOSTILE_HOSTS = [
    "sts.amazonaws.com.evil.example",
    "evil.example/sts.amazonaws.com",
    "sts.us-west-2.amazonaws.com.cn",
    "user@sts.us-west-2.amazonaws.com",
    "sts.us-west-2.amazonaws.com:443",
    "sts.us-west-2.amazonaws.com:8443",
    "sts.-bad-.amazonaws.com",
    "sts.us_west_2.amazonaws.com",
    "STS.us-west-2.amazonaws.com",
    "sts.amazonaws.com.",
    "evil.example",
    "127.0.0.1",
]

ONE_RULE_BROKEN = {
    "length": make_token(credentials=AwsCredentials("ASIAX", "secret", "t" * 4000)),
    "prefix": "k8s-aws-v2." + VALID.removeprefix("k8s-aws-v1."),
    "base64": VALID + "==",
    "url": token_of("https://sts.us-west-2.amazonaws.com:99999/?Action=GetCallerIdentity"),
    "scheme": token_of(VALID_URL.replace("https://", "http://", 1)),
    "host": with_host("sts.amazonaws.com.evil.example"),
    "path": token_of(VALID_URL.replace(".com/?", ".com/x?", 1)),
    "query": token_of(VALID_URL + ";x=y"),
    "duplicate-parameter": token_of(
        VALID_URL + "&x-amz-credential=AKIAEVIL%2F20260115%2Fus-west-2%2Fsts%2Faws4_request"
    ),
    "parameter": token_of(VALID_URL + "&X-Amz-Foo=1"),
    "action": token_of(replace_param(VALID_URL, "Action", "AssumeRole")),
    "signed-headers": token_of(replace_param(VALID_URL, "X-Amz-SignedHeaders", "host")),
    "expires": token_of(replace_param(VALID_URL, "X-Amz-Expires", "901")),
    "date": token_of(replace_param(VALID_URL, "X-Amz-Date", "2026-01-15T12:00:00Z")),
    # Signed 10 minutes after SIGNED_AT: well beyond STS's 5 minutes of skew at any "now"
    # the rule tests use (a few minutes after SIGNED_AT).
    "future": make_token(when=SIGNED_AT + timedelta(minutes=10)),
}


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


def write_shared_user_kubeconfig(
    path: Path,
    server_url: str,
    ca_data: str,
    *,
    region: str = "us-west-2",
    env: Mapping[str, str] | None = None,
    provide_cluster_info: bool = True,
) -> Path:
    """The layout ``eks-token kubeconfig --shared-user`` writes (built by the same code): the
    cluster id and region only in the cluster's exec extension, ``args: [token]``."""
    from eks_token.aws.eks import EksCluster
    from eks_token.kubeconfig.entries import build_entries
    from eks_token.kubeconfig.merge import merge_entries

    cluster = EksCluster(
        name=CLUSTER,
        arn=f"arn:aws:eks:{region}:111122223333:cluster/{CLUSTER}",
        endpoint=server_url,
        certificate_authority_data=ca_data,
        status="ACTIVE",
        region=region,
        cluster_id=CLUSTER,
    )
    entries = build_entries(cluster, shared_user=True)
    exec_block = entries.user["user"]["exec"]
    assert exec_block["args"] == ["token"]
    assert exec_block["provideClusterInfo"] is True
    if not provide_cluster_info:
        exec_block["provideClusterInfo"] = False
    if env:
        exec_block["env"] = [{"name": name, "value": value} for name, value in env.items()]
    document, _ = merge_entries({}, entries)
    path.write_text(yaml.safe_dump(document))
    return path
