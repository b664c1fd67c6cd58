"""DescribeCluster through botocore's EKS client: what a kubeconfig needs of a cluster."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eks_token.core.credentials import AwsCredentials
from eks_token.errors import (
    ClusterError,
    CredentialsError,
    InvalidInputError,
    RoleAssumptionError,
    retry_later,
)

__all__ = [
    "DESCRIBE_SESSION_NAME",
    "USABLE_STATUSES",
    "EksCluster",
    "describe_cluster",
    "validate_cluster_name",
]

USABLE_STATUSES = ("ACTIVE", "UPDATING")
#: The role session name of ``--assume-role-arn``, as the AWS CLI names it.
DESCRIBE_SESSION_NAME = "EKSDescribeClusterSession"
# EKS's own pattern for cluster names, ASCII only: they become file names and entry names.
_CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
_CLUSTER_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,99}")
_ARN = re.compile(r"arn:aws[a-z-]{0,20}:eks:[a-z0-9-]{1,40}:[0-9]{12}:cluster/(?P<name>.+)")
_SERVER = re.compile(r"https://[!-~]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]+")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def validate_cluster_name(name: str) -> str:
    """``name`` if it matches EKS's cluster-name pattern, else InvalidInputError."""
    if not isinstance(name, str) or not _CLUSTER_NAME.fullmatch(name):
        raise InvalidInputError(
            f"{_shown(name)} is not an EKS cluster name (1 to 100 of letters, digits, - and _, "
            "starting with a letter or digit)",
            option="name",
        )
    return name


@dataclass(frozen=True)
class EksCluster:
    """One DescribeCluster answer, reduced to what a kubeconfig entry holds."""

    name: str
    arn: str
    endpoint: str
    certificate_authority_data: str
    status: str
    region: str
    #: What the token's x-k8s-aws-id carries: the name, or the id of a local cluster on
    #: Outposts without dedicated etcd instances.
    cluster_id: str

    @classmethod
    def from_description(cls, cluster: Mapping[str, Any], region: str) -> EksCluster:
        """Check a DescribeCluster ``cluster`` and keep what is needed; ClusterError otherwise."""
        raw_name = cluster.get("name")
        name = raw_name if isinstance(raw_name, str) else ""
        if not _CLUSTER_NAME.fullmatch(name):
            # The answer's name becomes a file name (--split) and entry names: check it.
            raise ClusterError(
                f"DescribeCluster answered with an invalid cluster name {_shown(raw_name)}; "
                "nothing was written",
                cluster=name or None,
            )
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
        is_local = _signs_with_id(cluster)
        arn = cluster.get("arn")
        match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
        if not isinstance(arn, str) or match is None or match.group("name") != name:
            raise ClusterError(
                f"DescribeCluster of {name!r} answered with an invalid cluster ARN {_shown(arn)}",
                cluster=name,
            )
        local_id = cluster.get("id") if is_local else None
        if local_id is not None and not (
            isinstance(local_id, str) and _CLUSTER_ID.fullmatch(local_id)
        ):
            raise ClusterError(
                f"DescribeCluster of {name!r} answered with an invalid cluster id "
                f"{_shown(local_id)}",
                cluster=name,
            )
        if not isinstance(endpoint, str) or not _SERVER.fullmatch(endpoint):
            raise ClusterError(
                f"DescribeCluster of {name!r} answered with an invalid endpoint {_shown(endpoint)}",
                cluster=name,
            )
        if not isinstance(ca, str) or not _BASE64.fullmatch(ca):
            raise ClusterError(
                f"DescribeCluster of {name!r} answered with certificate authority data "
                "that is not base64",
                cluster=name,
            )
        return cls(
            name=name,
            arn=arn,
            endpoint=endpoint,
            certificate_authority_data=ca,
            status=status,
            region=region,
            cluster_id=local_id if isinstance(local_id, str) else name,
        )


def _signs_with_id(cluster: Mapping[str, Any]) -> bool:
    """Whether tokens for this cluster carry its id: an Outposts local cluster without
    dedicated etcd instances (``outpostConfig`` without ``etcdInstanceType``), as the
    AWS CLI decides; every other cluster, local ones with etcd instances too, its name."""
    outpost = cluster.get("outpostConfig")
    if outpost is None or not cluster.get("id"):
        return False
    return not (isinstance(outpost, Mapping) and outpost.get("etcdInstanceType") is not None)


def describe_cluster(
    name: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    assume_role_arn: str | None = None,
) -> EksCluster:
    """DescribeCluster ``name`` with botocore's credentials and region.

    With ``assume_role_arn`` the call is made as that role (session name
    EKSDescribeClusterSession), as the AWS CLI's ``--assume-role-arn`` does.
    Name and region are checked before any network call.
    """
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from eks_token.aws.session import client, make_session, resolve_region
    from eks_token.core.endpoints import validate_region

    validate_cluster_name(name)
    if region:
        validate_region(region)
    session = make_session(profile)
    resolved = resolve_region(session, region)
    if not resolved:
        raise InvalidInputError(
            "no AWS region: pass --region, set AWS_REGION or give the profile a region",
            option="region",
        )
    validate_region(resolved)
    try:
        credentials = None
        if assume_role_arn:
            credentials = _assume_role(session, assume_role_arn, resolved)
        eks = client(session, "eks", region=resolved, credentials=credentials)
        answer = eks.describe_cluster(name=name)
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
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise ClusterError(
            f"DescribeCluster of {name!r} in {resolved} failed: {code}: {error.get('Message', '')}",
            cluster=name,
            retryable=retry_later(status, code),
        ) from exc
    except BotoCoreError as exc:
        from eks_token.aws.call_failures import unanswered
        from eks_token.core.endpoints import known_region, partition_for_region
        from eks_token.core.inputs import closest_known_region

        # A mistyped region has no endpoint: say so rather than only "could not connect".
        partition = partition_for_region(resolved).name
        hint = ""
        if not known_region(resolved, partition):
            closest = closest_known_region(resolved, partition)
            hint = f" (eks-token knows no region {resolved!r}; did you mean {closest}?)"
        raise ClusterError(
            f"DescribeCluster of {name!r} in {resolved} failed: {exc}{hint}",
            cluster=name,
            retryable=unanswered(exc),
        ) from exc
    description = answer.get("cluster") if isinstance(answer, Mapping) else None
    if not isinstance(description, Mapping):
        raise ClusterError(f"DescribeCluster of {name!r} gave no cluster", cluster=name)
    cluster = EksCluster.from_description(description, resolved)
    if cluster.name != name:
        raise ClusterError(
            f"DescribeCluster of {name!r} answered for another cluster, {cluster.name!r}",
            cluster=name,
        )
    return cluster


def _assume_role(session: Any, role_arn: str, region: str) -> AwsCredentials:
    """Credentials of ``role_arn`` for the DescribeCluster call only."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from eks_token.aws.session import client

    try:
        sts = client(session, "sts", region=region)
        found = sts.assume_role(RoleArn=role_arn, RoleSessionName=DESCRIBE_SESSION_NAME)
        credentials = found["Credentials"]
        return AwsCredentials(
            str(credentials["AccessKeyId"]),
            str(credentials["SecretAccessKey"]),
            str(credentials["SessionToken"]),
        )
    except NoCredentialsError:
        raise
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise RoleAssumptionError(
            f"AssumeRole of {role_arn} (to call DescribeCluster) failed: "
            f"{error.get('Code', '')}: {error.get('Message', '')}",
            role_arn=role_arn,
            code=error.get("Code"),
        ) from exc
    except BotoCoreError as exc:
        raise RoleAssumptionError(
            f"AssumeRole of {role_arn} (to call DescribeCluster) failed: {exc}",
            role_arn=role_arn,
        ) from exc
    except (KeyError, TypeError) as exc:
        raise RoleAssumptionError(
            f"AssumeRole of {role_arn} gave no credentials", role_arn=role_arn
        ) from exc
