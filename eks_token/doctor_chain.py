"""The links of ``eks-token doctor``'s chain, each turning what it finds into a Check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from .doctor import Check
from .errors import (
    CredentialsError,
    EksTokenError,
    ProfileNotFoundError,
    RoleAssumptionError,
    StsThrottledError,
    StsUnreachableError,
)

__all__ = ["Chain"]


def _ago(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Chain:
    """The state one step hands to the next."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str],
        now: datetime,
        sts_endpoint_url: str | None,
        timeout: float,
        max_clock_skew: timedelta,
    ) -> None:
        from .generator import TokenSigner
        from .identity import Identity
        from .kube_api import KubeApi, UserInfo
        from .kubeconfig import ContextView, ExecInvocation
        from .token import Token

        self.environ = environ
        self.now = now
        self.sts_endpoint_url = sts_endpoint_url
        self.timeout = timeout
        self.max_clock_skew = max_clock_skew
        self.view: ContextView | None = None
        self.invocation: ExecInvocation | None = None
        self.cluster_id = ""
        self.signer: TokenSigner | None = None
        self.token: Token | None = None
        self.identity: Identity | None = None
        self.sts_date: datetime | None = None
        self.api: KubeApi | None = None
        self.user: UserInfo | None = None

    def close(self) -> None:
        if self.api is not None:
            self.api.close()

    def kubeconfig(self, context: str | None, kubeconfig: str | None) -> Check:
        from .kubeconfig import load_context, parse_exec_invocation

        name = "kubeconfig"
        try:
            view = load_context(context, kubeconfig, self.environ)
        except EksTokenError as exc:
            return Check(name, False, str(exc), fix="check --context, --kubeconfig and KUBECONFIG")
        self.view = view
        details: dict[str, object] = {
            "context": view.name,
            "source": str(view.source),
            "server": view.cluster.server,
            "user": view.user.name,
        }
        entry = view.user.exec
        if entry is None:
            return Check(
                name,
                False,
                f"user {view.user.name!r} of context {view.name!r} has no exec entry",
                details,
                fix="run 'aws eks update-kubeconfig --name CLUSTER' or point the user's exec "
                "entry at 'eks-token token -i CLUSTER'",
            )
        invocation = parse_exec_invocation(entry)
        details["command"] = entry.command
        if invocation is None:
            return Check(
                name,
                False,
                f"the exec command {entry.command!r} is not an EKS token tool",
                details,
                fix="the doctor understands eks-token, aws eks get-token and aws-iam-authenticator",
            )
        details.update(
            tool=invocation.tool,
            cluster_id=invocation.cluster_id,
            region=invocation.region,
            profile=invocation.profile,
            role_arn=invocation.role_arn,
        )
        if not invocation.cluster_id:
            return Check(
                name,
                False,
                "the exec entry names no cluster id",
                details,
                fix="add the cluster name to the exec args (-i CLUSTER or --cluster-name CLUSTER)",
            )
        self.invocation, self.cluster_id = invocation, invocation.cluster_id
        return Check(
            name,
            True,
            f"context {view.name!r}: {invocation.tool} for cluster {self.cluster_id!r}",
            details,
        )

    def credentials(self) -> Check:
        from .context_token import signer_for_invocation

        assert self.invocation is not None
        assert self.view is not None
        assert self.view.user.exec
        inv = self.invocation
        try:
            signer = signer_for_invocation(inv, self.view.user.exec, self.environ)
            credentials = signer.credentials()
            method = signer.credential_method
            endpoint = signer.endpoint
        except EksTokenError as exc:
            return Check("credentials", False, str(exc), fix=_credentials_fix(exc))
        self.signer = signer
        return Check(
            "credentials",
            True,
            f"{credentials.access_key_id} from {method}",
            {
                "source": method,
                "access_key_id": credentials.access_key_id,
                "temporary": credentials.session_token is not None,
                "region": signer.region,
                "sts_endpoint": endpoint.url,
                "role_arn": inv.role_arn,
            },
        )

    def caller_identity(self) -> Check:
        from .generator import sign_token
        from .token import decode_token
        from .token_rules import CheckedToken
        from .verify import call_sts

        assert self.signer is not None
        name = "caller-identity"
        try:
            credentials = self.signer.credentials()
            token = sign_token(self.cluster_id, credentials, self.signer.endpoint, self.now)
            url = decode_token(token.value)
            checked = CheckedToken(url, urlsplit(url).netloc, credentials.access_key_id, self.now)
            answer = call_sts(
                checked,
                self.cluster_id,
                sts_endpoint_url=self.sts_endpoint_url,
                timeout=self.timeout,
            )
        except EksTokenError as exc:
            return Check(name, False, str(exc), fix=_sts_fix(exc))
        self.token, self.identity, self.sts_date = token, answer.identity, answer.server_date
        return Check(name, True, answer.identity.arn, answer.identity.to_dict())

    def token_rules(self) -> Check:
        from .endpoints import partition_for_region
        from .token_rules import inspect_token

        assert self.token is not None
        assert self.signer is not None
        partition = partition_for_region(self.signer.endpoint.signing_region).name
        report = inspect_token(self.token.value, now=self.now, partition=partition)
        details = report.to_dict()
        if report.valid:
            return Check("token", True, f"{report.length} bytes, passes every rule", details)
        rules = ", ".join(f.rule for f in report.failures)
        return Check(
            "token",
            False,
            f"the token breaks the cluster's rules: {rules}",
            details,
            causes=tuple(f.message for f in report.failures),
            fix="a very long session token makes tokens over 4096 bytes: use shorter-lived "
            "or role credentials; a custom STS endpoint must be an STS host of the partition",
        )

    def clock(self) -> Check:
        if self.sts_date is None:
            return Check("clock", True, "STS sent no Date header; skew not measured")
        skew = self.now - self.sts_date
        direction = "ahead of" if skew > timedelta(0) else "behind"
        details = {"local_time": _stamp(self.now), "sts_time": _stamp(self.sts_date)}
        details["skew_seconds"] = str(int(skew.total_seconds()))
        if abs(skew) <= self.max_clock_skew:
            return Check("clock", True, f"within {_ago(skew)} of STS", details)
        return Check(
            "clock",
            False,
            f"this machine's clock is {_ago(skew)} {direction} STS",
            details,
            fix="synchronise the clock (e.g. 'timedatectl set-ntp true'); tokens are valid for "
            "15 minutes from the time they claim",
        )

    def endpoint(self) -> Check:
        from .kube_api import ApiTlsError, KubeApi

        assert self.view is not None
        assert self.token is not None
        cluster = self.view.cluster
        details: dict[str, object] = {
            "server": cluster.server,
            "ca": "certificate-authority-data"
            if cluster.certificate_authority_data
            else cluster.certificate_authority or "system trust store",
            "insecure_skip_tls_verify": cluster.insecure_skip_tls_verify,
        }
        try:
            self.api = KubeApi.for_cluster(cluster, self.token.value, timeout=self.timeout)
            status = self.api.ping()
        except ApiTlsError as exc:
            return Check(
                "endpoint",
                False,
                str(exc),
                details,
                fix="the kubeconfig's CA is not the cluster's: run 'aws eks update-kubeconfig "
                "--name CLUSTER' again, or compare with 'aws eks describe-cluster --query "
                "cluster.certificateAuthority.data'",
            )
        except EksTokenError as exc:
            return Check(
                "endpoint",
                False,
                str(exc),
                details,
                fix="check the server URL, VPN and proxy, and the cluster's endpoint access "
                "(public/private) and security groups",
            )
        details["status_without_token"] = status
        return Check("endpoint", True, f"{cluster.server} answers and TLS verifies", details)

    def authentication(self) -> Check:
        from .kube_api import ApiRequestError, ApiUnauthorizedError

        assert self.api is not None
        assert self.identity is not None
        try:
            user = self.api.whoami()
        except ApiUnauthorizedError:
            return Check(
                "authentication",
                False,
                f"the cluster does not accept the token of {self.identity.canonical_arn} (401)",
                {"canonical_arn": self.identity.canonical_arn, "cluster_id": self.cluster_id},
                causes=self._unauthorized_causes(),
                fix="check the causes above in order; 'eks-token map --aws-auth FILE --arn ARN' "
                "shows what aws-auth makes of an identity",
            )
        except ApiRequestError as exc:
            return Check(
                "authentication",
                True,
                f"the cluster accepted the token (no username: {exc})",
                {"canonical_arn": self.identity.canonical_arn},
            )
        except EksTokenError as exc:
            return Check("authentication", False, str(exc))
        self.user = user
        groups = ", ".join(user.groups) or "no groups"
        return Check("authentication", True, f"{user.username} ({groups})", user.to_dict())

    def _unauthorized_causes(self) -> tuple[str, ...]:
        assert self.identity is not None
        assert self.token is not None
        arn = self.identity.canonical_arn
        return (
            f"{arn} is not mapped: add it to the aws-auth ConfigMap (mapRoles or mapUsers) or "
            f"create an access entry: aws eks create-access-entry --cluster-name "
            f"{self.cluster_id} --principal-arn {arn}",
            f"wrong cluster id: the token is for {self.cluster_id!r}; it must be the EKS "
            "cluster's name (or an Outposts local cluster's id)",
            f"wrong region or partition: the token is signed for {self.identity.sts_host}; "
            "the cluster must accept that STS host",
            "expired credentials: refresh them ('aws sso login', new keys) and try again",
        )

    def authorization(self, verb: str, resource: str) -> Check:
        assert self.api is not None
        assert self.view is not None
        namespace = self.view.namespace or "default"
        try:
            review = self.api.can_i(verb, resource, namespace=namespace)
        except EksTokenError as exc:
            return Check("authorization", False, str(exc))
        question = f"{verb} {resource} in namespace {namespace}"
        details = review.to_dict()
        if review.allowed:
            return Check("authorization", True, f"allowed to {question}", details)
        who = self.user.username if self.user else "this user"
        groups = ", ".join(self.user.groups) if self.user else ""
        return Check(
            "authorization",
            False,
            f"RBAC says no: {who} may not {question}",
            details,
            fix=f"authentication works; grant access: kubectl create rolebinding NAME "
            f"--clusterrole=view --user={who} -n {namespace}"
            + (f" (or bind one of its groups: {groups})" if groups else "")
            + ", or associate an EKS access policy",
        )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _credentials_fix(exc: EksTokenError) -> str:
    if isinstance(exc, ProfileNotFoundError):
        return "fix the profile name in the exec entry (AWS_PROFILE or --profile)"
    if isinstance(exc, RoleAssumptionError):
        return "check the role's trust policy and that your identity may sts:AssumeRole it"
    if isinstance(exc, CredentialsError):
        return (
            "configure credentials: 'aws configure', 'aws sso login --profile P', or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    return "fix the exec entry's arguments"


def _sts_fix(exc: EksTokenError) -> str:
    if isinstance(exc, StsUnreachableError):
        return "check the network path to STS (proxy, firewall, VPC endpoint, region)"
    if isinstance(exc, StsThrottledError):
        return "STS is throttling this account; wait and try again"
    text = str(exc)
    if "expired" in text.lower() or "not yet current" in text:
        return "STS thinks the signing time is wrong: synchronise this machine's clock"
    return (
        "the credentials are invalid, expired or revoked: refresh them ('aws sso login', "
        "new access keys) and check the region"
    )
