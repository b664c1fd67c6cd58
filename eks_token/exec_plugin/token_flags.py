"""The options of aws-iam-authenticator's ``token`` command, which ``eks-token token`` takes
too: read by the cache-hit path and by the kubeconfig migration alike."""

from __future__ import annotations

__all__ = ["TOKEN_VALUE_OPTIONS"]

#: option -> the request field its value sets
TOKEN_VALUE_OPTIONS: dict[str, str] = {
    "-i": "cluster_id",
    "--cluster-id": "cluster_id",
    "-r": "role_arn",
    "--role": "role_arn",
    "--role-arn": "role_arn",
    "-e": "external_id",
    "--external-id": "external_id",
    "-s": "session_name",
    "--session-name": "session_name",
}
