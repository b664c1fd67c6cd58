"""The links of ``eks-token doctor``'s chain, each turning what it finds into a Check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from eks_token.doctor.advice import (
    CLOCK_FIX,
    TOKEN_RULES_FIX,
    ago,
    clock_check,
    credentials_fix,
    sts_fix,
    unauthorized_causes,
)
from eks_token.doctor.report import Check
from eks_token.errors import EksTokenError

__all__ = ["Chain"]


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
        from eks_token.aws.signer import TokenSigner
        from eks_token.cluster.identity import Identity
        from eks_token.cluster.kube_api import KubeApi, UserInfo
        from eks_token.core.token import Token
        from eks_token.kubeconfig.exec_args import ExecInvocation
        from eks_token.kubeconfig.model import ContextView

        self.environ = environ
        self.now = now
        self.sts_endpoint_url = sts_endpoint_url
        self.timeout = timeout
        self.max_clock_skew = max_clock_skew
        self.view: ContextView | None = None
        self.invocation: ExecInvocation | None = None
        self.env: dict[str, str] = {}
        self.cluster_id = ""
        self.signer: TokenSigner | None = None
        self.token: Token | None = None
        self.identity: Identity | None = None
        self.sts_date: datetime | None = None
        #: STS refused the token and its Date shows this machine's clock is off.
        self.clock_rejected = False
        self.api: KubeApi | None = None
        self.user: UserInfo | None = None

    def close(self) -> None:
        if self.api is not None:
            self.api.close()

    def kubeconfig(self, context: str | None, kubeconfig: str | None) -> Check:
        from eks_token.errors import ContextEntryError
        from eks_token.inprocess.context_token import invocation_for_context
        from eks_token.kubeconfig.files import load_context

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
        if view.user.exec is not None:
            details["command"] = view.user.exec.command
        try:
            invocation, env = invocation_for_context(view, self.environ)
        except ContextEntryError as exc:
            return Check(name, False, exc.problem, details, fix=exc.fix)
        details.update(
            tool=invocation.tool,
            cluster_id=invocation.cluster_id,
            region=invocation.region,
            profile=invocation.profile,
            role_arn=invocation.role_arn,
        )
        assert invocation.cluster_id is not None
        self.invocation, self.env, self.cluster_id = invocation, env, invocation.cluster_id
        return Check(
            name,
            True,
            f"context {view.name!r}: {invocation.tool} for cluster {self.cluster_id!r}",
            details,
        )

    def credentials(self) -> Check:
        from eks_token.inprocess.context_token import signer_for_invocation

        assert self.invocation is not None
        inv = self.invocation
        try:
            signer = signer_for_invocation(inv, self.env)
            credentials = signer.credentials()
            method = signer.credential_method
            endpoint = signer.endpoint
        except EksTokenError as exc:
            return Check("credentials", False, str(exc), fix=credentials_fix(exc))
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
        from eks_token.cluster.token_rules import CheckedToken
        from eks_token.cluster.verifier import call_sts
        from eks_token.core.signing import sign_token
        from eks_token.core.token import decode_token

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
            return self._sts_refused(name, exc)
        self.token, self.identity, self.sts_date = token, answer.identity, answer.server_date
        return Check(name, True, answer.identity.arn, answer.identity.to_dict())

    def _sts_refused(self, name: str, exc: EksTokenError) -> Check:
        from eks_token.cluster.verifier import sts_server_date

        server_date = sts_server_date(exc)
        if server_date is None or abs(self.now - server_date) <= self.max_clock_skew:
            return Check(name, False, str(exc), fix=sts_fix(exc))
        self.sts_date, self.clock_rejected = server_date, True
        skew = ago(self.now - server_date)
        return Check(
            name,
            False,
            f"{exc}",
            causes=(f"this machine's clock is {skew} off STS's: see the clock check",),
            fix=CLOCK_FIX,
        )

    def token_rules(self) -> Check:
        from eks_token.cluster.token_rules import inspect_token
        from eks_token.core.endpoints import partition_for_region

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
            fix=TOKEN_RULES_FIX,
        )

    def clock(self) -> Check:
        return clock_check(
            self.now, self.sts_date, self.max_clock_skew, rejected=self.clock_rejected
        )

    def endpoint(self) -> Check:
        from eks_token.cluster.kube_api import KubeApi
        from eks_token.errors import ApiTlsError

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
        from eks_token.errors import ApiRequestError, ApiUnauthorizedError

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
        identity = self.identity
        return unauthorized_causes(identity.canonical_arn, self.cluster_id, identity.sts_host)

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
