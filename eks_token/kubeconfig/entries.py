"""The cluster, user and context entries eks-token writes for an EKS cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eks_token.aws.eks import EksCluster
from eks_token.core.token import API_V1
from eks_token.kubeconfig.model import EXEC_EXTENSION_NAME

__all__ = ["EXEC_COMMAND", "KubeconfigEntries", "build_entries", "shared_user_name"]

EXEC_COMMAND = "eks-token"
INTERACTIVE_MODE = "IfAvailable"


@dataclass(frozen=True)
class KubeconfigEntries:
    """Named entries ready to merge: each is ``{"name": ..., "cluster"|"user"|"context": ...}``."""

    cluster: dict[str, Any]
    user: dict[str, Any]
    context: dict[str, Any]

    @property
    def context_name(self) -> str:
        return str(self.context["name"])

    @property
    def cluster_name(self) -> str:
        return str(self.cluster["name"])

    @property
    def user_name(self) -> str:
        return str(self.user["name"])


def shared_user_name(profile: str | None, role_arn: str | None) -> str:
    """One user per (profile, role): the name says which."""
    parts = [EXEC_COMMAND, *(p for p in (profile, role_arn) if p)]
    return "@".join(parts)


def build_entries(
    cluster: EksCluster,
    *,
    profile: str | None = None,
    role_arn: str | None = None,
    alias: str | None = None,
    user_alias: str | None = None,
    shared_user: bool = False,
) -> KubeconfigEntries:
    """Entries named by the cluster ARN, as ``aws eks update-kubeconfig`` names them.

    With ``shared_user`` the user carries no cluster id: kubectl hands the
    cluster's exec extension to the plugin (``provideClusterInfo``), so one user
    serves every cluster written this way.
    """
    cluster_body: dict[str, Any] = {
        "server": cluster.endpoint,
        "certificate-authority-data": cluster.certificate_authority_data,
    }
    args = ["token"]
    if shared_user:
        cluster_body["extensions"] = [
            {
                "name": EXEC_EXTENSION_NAME,
                "extension": {"cluster-id": cluster.cluster_id, "region": cluster.region},
            }
        ]
        default_user = shared_user_name(profile, role_arn)
    else:
        args += ["-i", cluster.cluster_id, "--region", cluster.region]
        default_user = cluster.arn
    if role_arn:
        args += ["-r", role_arn]
    exec_block: dict[str, Any] = {
        "apiVersion": API_V1,
        "command": EXEC_COMMAND,
        "args": args,
    }
    if profile:
        exec_block["env"] = [{"name": "AWS_PROFILE", "value": profile}]
    exec_block["interactiveMode"] = INTERACTIVE_MODE
    if shared_user:
        exec_block["provideClusterInfo"] = True
    user_name = user_alias or default_user
    return KubeconfigEntries(
        cluster={"name": cluster.arn, "cluster": cluster_body},
        user={"name": user_name, "user": {"exec": exec_block}},
        context={
            "name": alias or cluster.arn,
            "context": {"cluster": cluster.arn, "user": user_name},
        },
    )
