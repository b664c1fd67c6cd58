"""What the async client tests share: an API server that counts refusals and can answer
403 or redirect, and kubeconfigs as ``eks-token kubeconfig`` writes them (or migrates)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support.api_server import ApiServer
from tests.support.local_server import RecordedRequest, Response

__all__ = ["CLUSTER", "PODS", "GuardedApiServer", "eks_token_kubeconfig", "migrated_kubeconfig"]

CLUSTER = "my-cluster"
PODS = "/api/v1/namespaces/default/pods"


FORBIDDEN = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": 'secrets is forbidden: User "alice" cannot list resource "secrets"',
    "reason": "Forbidden",
    "code": 403,
}


class GuardedApiServer(ApiServer):
    """The API server, counting its 401s; ``forbidden_path`` answers 403 (RBAC says no)
    and ``redirect_path`` redirects to ``redirect_to``."""

    forbidden_path = "/api/v1/namespaces/kube-system/secrets"
    redirect_path = "/moved"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.refused = 0
        self.redirect_to = ""

    def respond(self, request: RecordedRequest) -> Response:
        response = super().respond(request)
        if response.status == 401:
            with self._lock:
                self.refused += 1
            return response
        if request.path == self.forbidden_path:
            return Response.json(403, FORBIDDEN)
        if request.path == self.redirect_path:
            return Response(302, b"", [("Location", self.redirect_to)])
        return response


def eks_token_kubeconfig(
    path: Path, server: ApiServer, *, region: str = "us-west-2", shared_user: bool = False
) -> Path:
    """The entries ``eks-token kubeconfig`` writes for the cluster (built by the same code),
    pointing at ``server``."""
    from eks_token.aws.eks import EksCluster
    from eks_token.kubeconfig.entries import build_entries
    from eks_token.kubeconfig.merge import merge_entries

    cluster = EksCluster(
        name=CLUSTER,
        arn=f"arn:aws:eks:{region}:111122223333:cluster/{CLUSTER}",
        endpoint=server.url,
        certificate_authority_data=server.ca_data,
        status="ACTIVE",
        region=region,
        cluster_id=CLUSTER,
    )
    entries = build_entries(cluster, shared_user=shared_user)
    document, _ = merge_entries({}, entries)
    path.write_text(yaml.safe_dump(document))
    path.chmod(0o600)
    return path


def migrated_kubeconfig(path: Path, server: ApiServer, *, region: str = "us-west-2") -> Path:
    """A kubeconfig ``aws eks update-kubeconfig`` wrote (an ``aws eks get-token`` user),
    migrated to eks-token by ``eks-token kubeconfig --migrate``'s code."""
    from eks_token.kubeconfig.migrate import migrate_document

    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {"server": server.url, "certificate-authority-data": server.ca_data},
            }
        ],
        "users": [
            {
                "name": "u",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": [
                            "--region",
                            region,
                            "eks",
                            "get-token",
                            "--cluster-name",
                            CLUSTER,
                            "--output",
                            "json",
                        ],
                    }
                },
            }
        ],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "ctx",
    }
    result = migrate_document(document, path)
    path.write_text(yaml.safe_dump(result.document))
    path.chmod(0o600)
    return path
