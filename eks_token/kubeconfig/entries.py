"""The cluster, user and context entries eks-token writes for an EKS cluster."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eks_token.aws.eks import EksCluster
from eks_token.core.token import API_V1
from eks_token.kubeconfig.model import EXEC_EXTENSION_NAME

__all__ = [
    "COMMAND_PATH_CHOICES",
    "EXEC_COMMAND",
    "KubeconfigEntries",
    "build_entries",
    "exec_command",
    "not_on_path_warning",
    "shared_user_name",
]

EXEC_COMMAND = "eks-token"
INTERACTIVE_MODE = "IfAvailable"
#: ``--command-path``: write ``eks-token`` (kubectl finds it on PATH) or the absolute path of
#: the running eks-token.
COMMAND_PATH_CHOICES = ("name", "absolute")


def exec_command(command_path: str = "name") -> str:
    """What an exec entry should run: ``eks-token``, or the running one's absolute path."""
    if command_path == "name":
        return EXEC_COMMAND
    from eks_token.errors import InvalidInputError
    from eks_token.kubeconfig.exec_check import running_eks_token_directory

    directory = running_eks_token_directory()
    if directory is None:
        raise InvalidInputError(
            "cannot tell where the running eks-token is installed; write --command-path name "
            "and put its directory on PATH",
            option="command-path",
        )
    name = "eks-token.exe" if os.name == "nt" else EXEC_COMMAND
    return str(Path(directory) / name)


def not_on_path_warning(command: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A warning when kubectl, run with this PATH, could not find ``command``."""
    if os.sep in command or "/" in command:
        return None
    env = os.environ if environ is None else environ
    if shutil.which(command, path=env.get("PATH", "")) is not None:
        return None
    from eks_token.kubeconfig.exec_check import running_eks_token_directory

    here = running_eks_token_directory()
    add = f"add {here} to PATH" if here else "put its directory on PATH"
    return (
        f"{command} is not on PATH, so kubectl cannot run the entry as written: {add}, or "
        "write the absolute path with --command-path absolute"
    )


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
    command: str = EXEC_COMMAND,
) -> KubeconfigEntries:
    """Entries named by the cluster ARN, as ``aws eks update-kubeconfig`` names them.

    With ``shared_user`` the user carries no cluster id: kubectl hands the
    cluster's exec extension to the plugin (``provideClusterInfo``), so one user
    serves every cluster written this way. ``command`` is what the entry runs: ``eks-token``
    (found on PATH by kubectl) or an absolute path.
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
        "command": command,
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
