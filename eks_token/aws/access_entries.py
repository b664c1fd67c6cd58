"""EKS access entries through botocore's EKS client: the cluster's authentication mode, its
access entries, and the access policies associated with one of them.

Every botocore failure is wrapped in :class:`EksApiError` naming the IAM action the call
needs; ``AccessDeniedException`` says plainly that this identity may not call it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eks_token.errors import CredentialsError, EksApiError, retry_later
from eks_token.redact import redact

if TYPE_CHECKING:
    from eks_token.core.credentials import AwsCredentials

__all__ = ["AUTHENTICATION_MODES", "AccessEntry", "AccessPolicy", "EksAccessApi"]

AUTHENTICATION_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")


@dataclass(frozen=True)
class AccessPolicy:
    """An access policy associated with an entry, and where it applies."""

    arn: str
    #: ``cluster`` or ``namespace``.
    scope: str
    namespaces: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    def to_dict(self) -> dict[str, object]:
        return {"arn": self.arn, "scope": self.scope, "namespaces": list(self.namespaces)}


@dataclass(frozen=True)
class AccessEntry:
    """DescribeAccessEntry's answer with the entry's associated access policies."""

    principal_arn: str
    username: str | None
    kubernetes_groups: tuple[str, ...]
    type: str
    policies: tuple[AccessPolicy, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "principal_arn": self.principal_arn,
            "username": self.username,
            "kubernetes_groups": list(self.kubernetes_groups),
            "type": self.type,
            "policies": [policy.to_dict() for policy in self.policies],
        }


class EksAccessApi:
    """The access-entry calls for one cluster, with given credentials or botocore's own."""

    def __init__(self, client: Any, cluster: str, region: str) -> None:
        self._client = client
        self.cluster = cluster
        self.region = region

    @classmethod
    def connect(
        cls,
        cluster: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        credentials: AwsCredentials | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> EksAccessApi:
        """A client for ``cluster``; ``credentials`` wins over ``profile`` and botocore's chain.
        ``AWS_ENDPOINT_URL_EKS`` (or ``AWS_ENDPOINT_URL``) in ``environ`` sets the endpoint."""
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError

        from eks_token.aws.session import client, make_session, resolve_region

        session = make_session(profile, environ)
        resolved = resolve_region(session, region, environ)
        if not resolved:
            raise CredentialsError(
                "no AWS region for the EKS API: pass --region or set AWS_REGION", profile=profile
            )
        env = os.environ if environ is None else environ
        retries: Any = {"max_attempts": 2, "mode": "standard"}
        config = Config(retries=retries, connect_timeout=10, read_timeout=10)
        options: dict[str, Any] = {"config": config}
        endpoint = env.get("AWS_ENDPOINT_URL_EKS") or env.get("AWS_ENDPOINT_URL")
        if endpoint:
            from eks_token.core.endpoints import validate_endpoint_url

            what = "the EKS endpoint URL (AWS_ENDPOINT_URL_EKS or AWS_ENDPOINT_URL)"
            validate_endpoint_url(endpoint, what=what)
            options["endpoint_url"] = endpoint
        try:
            eks = client(session, "eks", region=resolved, credentials=credentials, **options)
        except BotoCoreError as exc:
            raise EksApiError(
                f"cannot create an EKS client in {resolved}: {exc}", action="eks:*"
            ) from exc
        return cls(eks, cluster, resolved)

    def authentication_mode(self) -> str:
        """DescribeCluster's ``accessConfig.authenticationMode`` (CONFIG_MAP when absent)."""
        answer = self._call("DescribeCluster", "describe_cluster", name=self.cluster)
        config = (answer.get("cluster") or {}).get("accessConfig") or {}
        mode = config.get("authenticationMode") or "CONFIG_MAP"
        return str(mode)

    def principal_arns(self) -> list[str]:
        """Every access entry's principal ARN (ListAccessEntries, all pages)."""
        pages = self._pages("ListAccessEntries", "list_access_entries", clusterName=self.cluster)
        return [str(arn) for page in pages for arn in page.get("accessEntries") or []]

    def entry(self, principal_arn: str) -> AccessEntry:
        """DescribeAccessEntry and ListAssociatedAccessPolicies for one principal."""
        answer = self._call(
            "DescribeAccessEntry",
            "describe_access_entry",
            clusterName=self.cluster,
            principalArn=principal_arn,
        )
        raw = answer.get("accessEntry") or {}
        return AccessEntry(
            principal_arn=str(raw.get("principalArn") or principal_arn),
            username=raw.get("username") or None,
            kubernetes_groups=tuple(str(g) for g in raw.get("kubernetesGroups") or ()),
            type=str(raw.get("type") or "STANDARD"),
            policies=self._policies(principal_arn),
        )

    def _policies(self, principal_arn: str) -> tuple[AccessPolicy, ...]:
        found: list[AccessPolicy] = []
        for page in self._pages(
            "ListAssociatedAccessPolicies",
            "list_associated_access_policies",
            clusterName=self.cluster,
            principalArn=principal_arn,
        ):
            for item in page.get("associatedAccessPolicies") or []:
                scope = item.get("accessScope") or {}
                found.append(
                    AccessPolicy(
                        arn=str(item.get("policyArn") or ""),
                        scope=str(scope.get("type") or "cluster"),
                        namespaces=tuple(str(n) for n in scope.get("namespaces") or ()),
                    )
                )
        return tuple(found)

    def _pages(self, operation: str, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a listing, following ``nextToken``. A token the service already
        gave ends the listing with an error: a server repeating itself would never end."""
        seen: set[str] = set()
        token: str | None = None
        while True:
            answer = self._call(
                operation, method, **params, **({"nextToken": token} if token else {})
            )
            yield answer
            following = answer.get("nextToken")
            if not following:
                return
            token = str(following)
            if token in seen:
                raise EksApiError(
                    f"{operation} on cluster {self.cluster!r} answered a nextToken it had "
                    f"already given (after {len(seen) + 1} pages): the listing would never "
                    "end; run it again later",
                    action=f"eks:{operation}",
                    code="RepeatedNextToken",
                )
            seen.add(token)

    def _call(self, operation: str, method: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        action = f"eks:{operation}"
        try:
            answer: dict[str, Any] = getattr(self._client, method)(**params)
        except NoCredentialsError as exc:
            raise CredentialsError(
                "no AWS credentials for the EKS API: run 'aws sso login' or set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from exc
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "")
            # Redacted before it is cut short, so no part of a secret survives the cut.
            message = redact(str(error.get("Message") or ""))[:300]
            if code == "AccessDeniedException":
                raise EksApiError(
                    f"{operation} on cluster {self.cluster!r} was denied: this identity needs "
                    f"IAM permission {action} on the cluster (AccessDeniedException)",
                    action=action,
                    code=code,
                ) from exc
            if code in ("ResourceNotFoundException", "NotFoundException"):
                what = "access entry" if "principalArn" in params else "cluster"
                raise EksApiError(
                    f"{operation}: no such {what} in {self.region} ({code}: {message})",
                    action=action,
                    code=code,
                ) from exc
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise EksApiError(
                f"{operation} on cluster {self.cluster!r} failed: {code}: {message}",
                action=action,
                code=code,
                retryable=retry_later(status),
            ) from exc
        except BotoCoreError as exc:
            from eks_token.aws.call_failures import unanswered

            raise EksApiError(
                f"{operation} on cluster {self.cluster!r} failed: {exc}",
                action=action,
                retryable=unanswered(exc),
            ) from exc
        return answer
