"""DescribeCluster through botocore's EKS client: what a kubeconfig needs of a cluster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eks_token.errors import ClusterError, CredentialsError, InvalidInputError

__all__ = ["USABLE_STATUSES", "EksCluster", "describe_cluster"]

USABLE_STATUSES = ("ACTIVE", "UPDATING")


@dataclass(frozen=True)
class EksCluster:
    """One DescribeCluster answer, reduced to what a kubeconfig entry holds."""

    name: str
    arn: str
    endpoint: str
    certificate_authority_data: str
    status: str
    region: str
    #: What the token's x-k8s-aws-id carries: the name, or the id of a local cluster on Outposts.
    cluster_id: str

    @classmethod
    def from_description(cls, cluster: Mapping[str, Any], region: str) -> EksCluster:
        """Check a DescribeCluster ``cluster`` and keep what is needed; ClusterError otherwise."""
        name = str(cluster.get("name") or "")
        status = str(cluster.get("status") or "UNKNOWN")
        if status not in USABLE_STATUSES:
            raise ClusterError(
                f"EKS cluster {name!r} is {status}; only ACTIVE or UPDATING clusters can be "
                "used (wait until it is ACTIVE)",
                cluster=name,
            )
        endpoint = cluster.get("endpoint")
        ca = (cluster.get("certificateAuthority") or {}).get("data")
        if not endpoint or not ca:
            raise ClusterError(
                f"EKS cluster {name!r} has no endpoint or certificate authority yet",
                cluster=name,
            )
        is_local = bool(cluster.get("outpostConfig")) and bool(cluster.get("id"))
        return cls(
            name=name,
            arn=str(cluster.get("arn") or name),
            endpoint=str(endpoint),
            certificate_authority_data=str(ca),
            status=status,
            region=region,
            cluster_id=str(cluster["id"]) if is_local else name,
        )


def describe_cluster(
    name: str, *, region: str | None = None, profile: str | None = None
) -> EksCluster:
    """DescribeCluster ``name`` with botocore's credentials and region."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from eks_token.aws.session import make_session, resolve_region

    session = make_session(profile)
    resolved = resolve_region(session, region)
    if not resolved:
        raise InvalidInputError(
            "no AWS region: pass --region, set AWS_REGION or give the profile a region",
            option="region",
        )
    try:
        client = session.create_client("eks", region_name=resolved)
        answer = client.describe_cluster(name=name)
    except NoCredentialsError as exc:
        raise CredentialsError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "run 'aws configure' or 'aws sso login', or pass --profile",
            profile=profile,
        ) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code == "ResourceNotFoundException":
            raise ClusterError(
                f"no EKS cluster {name!r} in {resolved} (check --name and --region)", cluster=name
            ) from exc
        raise ClusterError(
            f"DescribeCluster of {name!r} in {resolved} failed: {code}: {error.get('Message', '')}",
            cluster=name,
        ) from exc
    except BotoCoreError as exc:
        raise ClusterError(
            f"DescribeCluster of {name!r} in {resolved} failed: {exc}", cluster=name
        ) from exc
    return EksCluster.from_description(answer.get("cluster") or {}, resolved)
