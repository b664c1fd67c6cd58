"""EC2 through botocore: the private DNS name for the aws-auth EC2PrivateDNSName template."""

from __future__ import annotations

from typing import Any

from eks_token.errors import MappingError

__all__ = ["Ec2PrivateDnsNames"]


class Ec2PrivateDnsNames:
    """``{{EC2PrivateDNSName}}``: the instance's private DNS name from EC2 DescribeInstances."""

    def __init__(self, region: str | None, *, profile: str | None = None) -> None:
        self.region = region
        self.profile = profile
        self._client: Any = None

    def __call__(self, instance_id: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self._client is None:
                self._client = self._connect()
            answer = self._client.describe_instances(InstanceIds=[instance_id])
            names = [
                instance.get("PrivateDnsName")
                for reservation in answer.get("Reservations", [])
                for instance in reservation.get("Instances", [])
            ]
        except (BotoCoreError, ClientError) as exc:
            raise MappingError(
                f"EC2 DescribeInstances for {instance_id} failed: {type(exc).__name__}"
            ) from exc
        if not names or not names[0]:
            raise MappingError(f"EC2 instance {instance_id} has no private DNS name")
        return str(names[0])

    def _connect(self) -> Any:
        """An EC2 client in the region every command uses (``--region``, ``AWS_REGION``, ...)."""
        from eks_token.aws.session import client, make_session, resolve_region

        session = make_session(self.profile)
        region = resolve_region(session, self.region)
        if not region:
            raise MappingError(
                "{{EC2PrivateDNSName}} needs EC2 DescribeInstances, which needs the cluster's "
                "region: pass --region or set AWS_REGION"
            )
        return client(session, "ec2", region=region)
