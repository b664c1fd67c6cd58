"""Asking the Kubernetes API server who we are and what we may do.

Requests go through requests (imported on first use) to the kubeconfig's
server, trusting exactly its certificate authority, with our own bearer token:
SelfSubjectReview (``kubectl auth whoami``) and SelfSubjectAccessReview
(``kubectl auth can-i``). What the server answers: the errors, who we are
(:class:`UserInfo`), and what we may do (:class:`AccessReview`).
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eks_token.errors import (
    ApiRequestError,
    ApiTlsError,
    ApiUnauthorizedError,
    ApiUnreachableError,
    InvalidInputError,
)
from eks_token.net.http import request_failure_reason
from eks_token.redact import redact

if TYPE_CHECKING:
    import requests

    from eks_token.kubeconfig.model import ClusterEntry

__all__ = [
    "AUTHENTICATION_VERSIONS",
    "AccessReview",
    "KubeApi",
    "UserInfo",
    "user_info_from",
]


AUTHENTICATION_VERSIONS = ("v1", "v1beta1", "v1alpha1")
DEFAULT_API_TIMEOUT = 10.0


class KubeApi:
    """An API server, its trust settings and a bearer token (never shown in a repr)."""

    def __init__(
        self,
        server: str,
        token: str,
        *,
        ca_data: bytes | None = None,
        ca_file: str | None = None,
        insecure_skip_tls_verify: bool = False,
        tls_server_name: str | None = None,
        timeout: float = DEFAULT_API_TIMEOUT,
    ) -> None:
        if not server.startswith(("https://", "http://")):
            raise InvalidInputError(f"the API server URL {server!r} is not http(s)://...")
        self.server = server.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._context = _tls_context(ca_data, ca_file, insecure_skip_tls_verify)
        self._tls_server_name = tls_server_name
        self._session: requests.Session | None = None

    @classmethod
    def for_cluster(cls, cluster: ClusterEntry, token: str, *, timeout: float = 10.0) -> KubeApi:
        return cls(
            cluster.server,
            token,
            ca_data=cluster.certificate_authority_data,
            ca_file=cluster.certificate_authority,
            insecure_skip_tls_verify=cluster.insecure_skip_tls_verify,
            tls_server_name=cluster.tls_server_name,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"KubeApi({self.server!r})"

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> KubeApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self, method: str, path: str, body: object | None = None, *, authenticate: bool = True
    ) -> tuple[int, Any]:
        """Send one request; returns the status and the parsed JSON body (None if not JSON)."""
        import requests

        headers = {"Accept": "application/json"}
        if authenticate:
            headers["Authorization"] = f"Bearer {self._token}"
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        url = self.server + path
        try:
            response = self._http().request(
                method, url, headers=headers, data=data, timeout=self.timeout, allow_redirects=False
            )
        except requests.exceptions.SSLError as exc:
            raise ApiTlsError(
                f"TLS to {self.server} does not verify with the kubeconfig's certificate "
                f"authority: {request_failure_reason(exc)}",
                cluster=self.server,
            ) from exc
        except requests.RequestException as exc:
            raise ApiUnreachableError(
                f"the API server {self.server} cannot be reached: {request_failure_reason(exc)}",
                cluster=self.server,
            ) from exc
        from eks_token.exec_plugin.exec_info import parse_json

        try:
            payload = parse_json(response.content)
        except ValueError:
            payload = None
        return response.status_code, payload

    def ping(self) -> int:
        """GET /version without credentials: any HTTP answer means reachable and TLS verified."""
        status, _ = self.request("GET", "/version", authenticate=False)
        return status

    def whoami(self) -> UserInfo:
        """SelfSubjectReview, trying authentication.k8s.io v1, then v1beta1, then v1alpha1."""
        for version in AUTHENTICATION_VERSIONS:
            body = {"apiVersion": f"authentication.k8s.io/{version}", "kind": "SelfSubjectReview"}
            path = f"/apis/authentication.k8s.io/{version}/selfsubjectreviews"
            status, payload = self.request("POST", path, body)
            if status == 404:
                continue
            self._raise_for(status, payload, "SelfSubjectReview")
            return user_info_from(payload, version, server=self.server, status=status)
        raise ApiRequestError(
            f"{self.server} serves no SelfSubjectReview API (Kubernetes 1.27 or later needed)",
            cluster=self.server,
            status=404,
        )

    def can_i(
        self,
        verb: str,
        resource: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        name: str | None = None,
    ) -> AccessReview:
        """SelfSubjectAccessReview; ``resource`` may be ``RESOURCE.GROUP`` (deployments.apps)."""
        if not verb or not resource:
            raise InvalidInputError("give a verb and a resource, as in: get pods")
        plural, _, group = resource.partition(".")
        attributes: dict[str, str] = {"verb": verb, "resource": plural, "group": group}
        if namespace:
            attributes["namespace"] = namespace
        if subresource:
            attributes["subresource"] = subresource
        if name:
            attributes["name"] = name
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes},
        }
        path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        status, payload = self.request("POST", path, body)
        self._raise_for(status, payload, "SelfSubjectAccessReview")
        result = payload.get("status") if isinstance(payload, dict) else None
        if not isinstance(result, dict):
            raise ApiRequestError(
                f"{self.server} answered a SelfSubjectAccessReview without a status",
                cluster=self.server,
                status=status,
            )
        reason = result.get("reason") or result.get("evaluationError")
        return AccessReview(
            allowed=result.get("allowed") is True,
            verb=verb,
            resource=plural,
            group=group,
            namespace=namespace,
            denied=result.get("denied") is True,
            reason=str(reason) if reason else None,
        )

    def get_json(self, path: str) -> Any:
        """GET ``path`` with our token; 401 and other failures raise."""
        status, payload = self.request("GET", path)
        self._raise_for(status, payload, f"GET {path}")
        return payload

    def _http(self) -> requests.Session:
        if self._session is None:
            import requests

            from eks_token.net.http import context_adapter

            session = requests.Session()
            session.trust_env = False
            session.mount("https://", context_adapter(self._context, self._tls_server_name))
            self._session = session
        return self._session

    def _raise_for(self, status: int, payload: Any, what: str) -> None:
        if 200 <= status < 300:
            return
        if status == 401:
            raise ApiUnauthorizedError(
                f"{self.server} answered 401 Unauthorized: it does not accept the token "
                "(signed for another cluster, expired, or its identity is not mapped); "
                "run 'eks-token doctor' to find which",
                cluster=self.server,
            )
        message = payload.get("message") if isinstance(payload, dict) else None
        # Redacted before it is cut short, so no part of a secret survives the cut.
        detail = f": {' '.join(redact(str(message)).split())[:300]}" if message else ""
        raise ApiRequestError(
            f"{what} failed with HTTP {status}{detail}", cluster=self.server, status=status
        )


def _tls_context(ca_data: bytes | None, ca_file: str | None, insecure: bool) -> ssl.SSLContext:
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        if ca_data:
            return ssl.create_default_context(cadata=ca_data.decode("ascii", errors="replace"))
        if ca_file:
            return ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ApiTlsError(
            f"the kubeconfig's certificate authority cannot be loaded: {exc}"
        ) from exc
    return ssl.create_default_context()


@dataclass(frozen=True)
class UserInfo:
    """Who the cluster says we are."""

    username: str
    uid: str | None = None
    groups: tuple[str, ...] = ()
    extra: dict[str, list[str]] = field(default_factory=dict)
    api_version: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "uid": self.uid,
            "groups": list(self.groups),
            "extra": self.extra,
        }


@dataclass(frozen=True)
class AccessReview:
    """The answer to ``can I VERB RESOURCE in NAMESPACE``."""

    allowed: bool
    verb: str
    resource: str
    namespace: str | None
    group: str = ""
    denied: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "verb": self.verb,
            "resource": self.resource,
            "group": self.group,
            "namespace": self.namespace,
            "denied": self.denied,
            "reason": self.reason,
        }


def user_info_from(payload: Any, version: str, *, server: str | None, status: int) -> UserInfo:
    """The user of a SelfSubjectReview answer; any other shape is an ApiRequestError."""

    def malformed(what: str) -> ApiRequestError:
        return ApiRequestError(
            f"the SelfSubjectReview answer of {server or 'the API server'} {what}",
            cluster=server,
            status=status,
        )

    review_status = payload.get("status") if isinstance(payload, dict) else None
    info = review_status.get("userInfo") if isinstance(review_status, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("username"), str):
        raise malformed("has no user")
    groups = info.get("groups") or []
    if not isinstance(groups, list):
        raise malformed("has groups that are not a list")
    extra = info.get("extra") or {}
    if not isinstance(extra, dict) or not all(isinstance(v, list) for v in extra.values()):
        raise malformed("has extra values that are not lists")
    uid = info.get("uid")
    return UserInfo(
        username=info["username"],
        uid=str(uid) if uid else None,
        groups=tuple(str(g) for g in groups),
        extra={str(k): [str(item) for item in v] for k, v in extra.items()},
        api_version=f"authentication.k8s.io/{version}",
    )
