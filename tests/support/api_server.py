"""A local HTTPS Kubernetes API server that authenticates EKS IAM bearer tokens itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .local_server import LocalServer, RecordedRequest, Response, Tls, utc_now
from .sigv4_check import CheckResult, check_token, is_sts_host

EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}
PROTOBUF = "application/vnd.kubernetes.protobuf"
_ATTRIBUTE_FIELDS = dict(
    enumerate(("namespace", "verb", "group", "version", "resource", "subresource", "name"), 1)
)
AUTHN_VERSIONS = ("v1", "v1beta1", "v1alpha1")
_REVIEW = re.compile(r"/apis/authentication\.k8s\.io/(v1|v1beta1|v1alpha1)/selfsubjectreviews")
_PODS = re.compile(r"/api/v1(?:/namespaces/([^/]+))?/pods")


@dataclass(frozen=True)
class KubeUser:
    """Who an access key id is inside the cluster."""

    username: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """Allows `verb` on `resource` ("*": any) in `namespace` (None: any) to `user`/`group`
    (None: anyone authenticated)."""

    verb: str
    resource: str
    namespace: str | None = None
    user: str | None = None
    group: str | None = None

    def allows(self, user: KubeUser, verb: str, resource: str, namespace: str | None) -> bool:
        return (
            self.verb in ("*", verb)
            and self.resource in ("*", resource)
            and (self.namespace is None or self.namespace == namespace)
            and (self.user is None or self.user == user.username)
            and (self.group is None or self.group in user.groups)
        )


DEFAULT_USERS: Mapping[str, KubeUser] = {
    EXAMPLE_ACCESS_KEY_ID: KubeUser(
        "alice", ("developers",), "aws-iam-authenticator:111122223333:AIDAJQABLZS4A3QDU576Q"
    )
}


def _resource_list(group_version: str, *resources: tuple[str, str, bool, list[str]]) -> object:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": name,
                "singularName": "",
                "namespaced": namespaced,
                "kind": kind,
                "verbs": verbs,
            }
            for name, kind, namespaced, verbs in resources
        ],
    }


def _group(name: str, *versions: str) -> object:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


DISCOVERY: Mapping[str, object] = {
    "/version": {
        "major": "1",
        "minor": "37",
        "gitVersion": "v1.37.0-eks-standin",
        "platform": "linux/amd64",
    },
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            _group("authentication.k8s.io", *AUTHN_VERSIONS),
            _group("authorization.k8s.io", "v1"),
        ],
    },
    "/api/v1": _resource_list(
        "v1",
        ("pods", "Pod", True, ["get", "list"]),
        ("namespaces", "Namespace", False, ["get", "list"]),
    ),
    "/apis/authorization.k8s.io/v1": _resource_list(
        "authorization.k8s.io/v1",
        ("selfsubjectaccessreviews", "SelfSubjectAccessReview", False, ["create"]),
    ),
    **{
        f"/apis/authentication.k8s.io/{v}": _resource_list(
            f"authentication.k8s.io/{v}",
            ("selfsubjectreviews", "SelfSubjectReview", False, ["create"]),
        )
        for v in AUTHN_VERSIONS
    },
}


class ApiServer(LocalServer):
    """HTTPS on 127.0.0.1: every request needs a bearer token that `check_token` accepts for
    `cluster_id` with `keys`, and whose access key id is in `users`; otherwise the 401."""

    def __init__(
        self,
        *,
        cluster_id: str = "my-cluster",
        keys: Mapping[str, str] | None = None,
        users: Mapping[str, KubeUser] = DEFAULT_USERS,
        rules: Iterable[Rule] = (),
        session_tokens: Mapping[str, str] | None = None,
        host_allowed: Callable[[str], bool] = is_sts_host,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(tls=Tls(), now=now)
        self.cluster_id = cluster_id
        self.keys = dict(keys or {EXAMPLE_ACCESS_KEY_ID: EXAMPLE_SECRET_ACCESS_KEY})
        self.users = dict(users)
        self.rules = list(rules)
        self.session_tokens = session_tokens
        self.host_allowed = host_allowed
        self.checks: list[CheckResult] = []

    @property
    def ca_pem(self) -> bytes:
        assert self.tls is not None
        return self.tls.ca_pem

    @property
    def ca_data(self) -> str:
        """Base64 of the CA PEM, for kubeconfig `certificate-authority-data`."""
        assert self.tls is not None
        return self.tls.ca_data

    @property
    def tokens(self) -> list[str | None]:
        """The bearer token of every request so far, in order."""
        return [request.token for request in self.recorded]

    def annotate(self, request: RecordedRequest) -> RecordedRequest:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        return replace(request, token=token.strip() if scheme.lower() == "bearer" else None)

    def authenticate(self, token: str | None) -> KubeUser | None:
        if token is None:
            return None
        result = check_token(
            token,
            cluster_id=self.cluster_id,
            keys=self.keys,
            now=self.now(),
            session_tokens=self.session_tokens,
            host_allowed=self.host_allowed,
        )
        with self._lock:
            self.checks.append(result)
        if not result.ok:
            return None
        return self.users.get(result.access_key_id or "")

    def respond(self, request: RecordedRequest) -> Response:
        user = self.authenticate(request.token)
        if user is None:
            return Response.json(401, UNAUTHORIZED)
        # Like the real API server, /version/ is /version (kr8s asks for it so).
        discovery = request.path.rstrip("/") or "/"
        if request.method == "GET" and discovery in DISCOVERY:
            return Response.json(200, DISCOVERY[discovery])
        review = _REVIEW.fullmatch(request.path)
        if request.method == "POST" and review:
            return Response.json(201, _self_subject_review(user, review.group(1)))
        if (
            request.method == "POST"
            and request.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        ):
            return Response.json(201, self._access_review(user, request))
        pods = _PODS.fullmatch(request.path)
        if request.method == "GET" and pods:
            pod_list = {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}
            return Response.json(200, pod_list)
        return Response.json(404, _not_found(request.path))

    def _access_review(self, user: KubeUser, request: RecordedRequest) -> dict[str, Any]:
        if request.header("content-type") == PROTOBUF:
            review = _access_review_from_protobuf(request.body)
        else:
            review = request.json()
        attributes = review.get("spec", {}).get("resourceAttributes") or {}
        verb = attributes.get("verb", "")
        resource = attributes.get("resource", "")
        namespace = attributes.get("namespace") or None
        rule = next((r for r in self.rules if r.allows(user, verb, resource, namespace)), None)
        status: dict[str, Any] = {"allowed": rule is not None}
        if rule is not None:
            status["reason"] = f"allowed by {rule}"
        return {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "spec": review.get("spec", {}),
            "status": status,
        }


def _protobuf_fields(data: bytes) -> dict[int, bytes]:
    """The length-delimited fields of one protobuf message (the last value of each)."""
    fields: dict[int, bytes] = {}
    position = 0

    def varint() -> int:
        nonlocal position
        value = shift = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while position < len(data):
        tag = varint()
        wire_type = tag & 7
        if wire_type == 0:
            varint()
        elif wire_type == 2:
            length = varint()
            fields[tag >> 3] = data[position : position + length]
            position += length
        else:
            position += 8 if wire_type == 1 else 4
    return fields


def _access_review_from_protobuf(body: bytes) -> dict[str, Any]:
    """kubectl posts built-in kinds as protobuf: the `k8s\\0` magic, then a runtime.Unknown
    whose field 2 is the SelfSubjectAccessReview; spec is its field 2."""
    raw = _protobuf_fields(body.removeprefix(b"k8s\x00")).get(2, b"")
    spec = _protobuf_fields(_protobuf_fields(raw).get(2, b""))
    attributes = _protobuf_fields(spec.get(1, b""))
    resource = {
        _ATTRIBUTE_FIELDS[n]: v.decode() for n, v in attributes.items() if n in _ATTRIBUTE_FIELDS
    }
    return {"spec": {"resourceAttributes": resource} if 1 in spec else {}}


def _self_subject_review(user: KubeUser, version: str) -> dict[str, Any]:
    groups = list(user.groups)
    if "system:authenticated" not in groups:
        groups.append("system:authenticated")
    user_info: dict[str, Any] = {"username": user.username, "groups": groups}
    if user.uid:
        user_info["uid"] = user.uid
    if user.extra:
        user_info["extra"] = dict(user.extra)
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": f"authentication.k8s.io/{version}",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": user_info},
    }


def _not_found(path: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"the server could not find the requested resource ({path})",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    }
