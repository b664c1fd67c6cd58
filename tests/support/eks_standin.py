"""A loopback stand-in for the EKS access-entry API (moto does not implement it).

It answers DescribeCluster, ListAccessEntries, DescribeAccessEntry and
ListAssociatedAccessPolicies over HTTP on 127.0.0.1, and checks every body it sends
against botocore's EKS service model first, so it can only answer what EKS could.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session

from .local_server import LocalServer, RecordedRequest, Response

ACCOUNT = "111122223333"
_ROUTES = (
    (re.compile(r"/clusters/([^/]+)"), "DescribeCluster"),
    (re.compile(r"/clusters/([^/]+)/access-entries"), "ListAccessEntries"),
    (re.compile(r"/clusters/([^/]+)/access-entries/([^/]+)"), "DescribeAccessEntry"),
    (
        re.compile(r"/clusters/([^/]+)/access-entries/([^/]+)/access-policies"),
        "ListAssociatedAccessPolicies",
    ),
)


@functools.cache
def eks_model() -> Any:
    return botocore.session.get_session().get_service_model("eks")


def validate(shape: Any, value: Any, where: str = "$") -> None:
    """Raise AssertionError when ``value`` is not what ``shape`` (a botocore shape) allows."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{where}: expected an object"
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: {sorted(unknown)} not in {shape.name}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: {sorted(missing)} required by {shape.name}"
        for name, member in value.items():
            validate(shape.members[name], member, f"{where}.{name}")
    elif kind == "list":
        assert isinstance(value, list), f"{where}: expected a list"
        for index, item in enumerate(value):
            validate(shape.member, item, f"{where}[{index}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{where}: expected a map"
        for key, item in value.items():
            validate(shape.key, key, f"{where}<key>")
            validate(shape.value, item, f"{where}.{key}")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: expected a string"
        assert not shape.enum or value in shape.enum, f"{where}: {value!r} not in {shape.enum}"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: expected a boolean"
    elif kind in ("integer", "long"):
        assert isinstance(value, int), f"{where}: expected an integer"
        assert not isinstance(value, bool), f"{where}: expected an integer"
    elif kind == "timestamp":
        assert isinstance(value, (int, float)), f"{where}: expected epoch seconds"
    else:
        raise AssertionError(f"{where}: shape type {kind} not handled")


@dataclass
class StandinEntry:
    """One access entry: ``policies`` are (policy name, namespaces or None for cluster)."""

    username: str | None = None
    groups: tuple[str, ...] = ()
    type: str = "STANDARD"
    policies: tuple[tuple[str, tuple[str, ...] | None], ...] = ()


class EksStandin(LocalServer):
    """EKS for one cluster: its authentication mode and access entries by principal ARN;
    operations in ``denied`` answer AccessDeniedException; ``operations`` lists the calls.
    ListAccessEntries answers ``page_size`` entries a page (all when None), each page's
    ``nextToken`` the offset of the next; with ``repeated_token`` every page (up to the
    100th) answers that same token, as a broken service would."""

    def __init__(
        self,
        *,
        cluster: str = "my-cluster",
        mode: str = "API",
        entries: Mapping[str, StandinEntry] | None = None,
        denied: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.cluster = cluster
        self.mode = mode
        self.entries = dict(entries or {})
        self.denied = set(denied)
        self.operations: list[str] = []
        self.page_size: int | None = None
        self.repeated_token: str | None = None
        self._query: dict[str, list[str]] = {}

    def respond(self, request: RecordedRequest) -> Response:
        operation, names = route(request.path)
        self.operations.append(operation)
        self._query = parse_qs(request.query)
        if operation in self.denied:
            return self._error(403, "AccessDeniedException", _denied_message(operation))
        if names[0] != self.cluster:
            return self._error(
                404, "ResourceNotFoundException", f"No cluster found for name: {names[0]}."
            )
        if len(names) > 1 and names[1] not in self.entries:
            return self._error(
                404, "ResourceNotFoundException", "The specified principalArn could not be found."
            )
        body = getattr(self, "_" + re.sub(r"(?<!^)([A-Z])", r"_\1", operation).lower())(*names)
        validate(eks_model().operation_model(operation).output_shape, body)
        return Response.json(200, body)

    def _error(self, status: int, code: str, message: str) -> Response:
        body = {"message": message}
        validate(eks_model().shape_for(code), body)
        return Response.json(status, body, ("x-amzn-ErrorType", code))

    def _describe_cluster(self, name: str) -> dict[str, Any]:
        return {
            "cluster": {
                "name": name,
                "arn": f"arn:aws:eks:us-west-2:{ACCOUNT}:cluster/{name}",
                "createdAt": 1767225600.0,
                "endpoint": "https://example.eks.amazonaws.com",
                "status": "ACTIVE",
                "certificateAuthority": {"data": "LS0tLQ=="},
                "accessConfig": {
                    "bootstrapClusterCreatorAdminPermissions": True,
                    "authenticationMode": self.mode,
                },
            }
        }

    def _list_access_entries(self, name: str) -> dict[str, Any]:
        arns = sorted(self.entries)
        if self.repeated_token is not None and self.operations.count("ListAccessEntries") < 100:
            # (after 100 pages it gives up, so that a client that loops ends its test)
            return {"accessEntries": arns[:1], "nextToken": self.repeated_token}
        if self.page_size is None:
            return {"accessEntries": arns}
        start = int((self._query.get("nextToken") or ["0"])[0])
        end = start + self.page_size
        body: dict[str, Any] = {"accessEntries": arns[start:end]}
        if end < len(arns):
            body["nextToken"] = str(end)
        return body

    def _describe_access_entry(self, name: str, arn: str) -> dict[str, Any]:
        entry = self.entries[arn]
        body: dict[str, Any] = {
            "clusterName": name,
            "principalArn": arn,
            "kubernetesGroups": list(entry.groups),
            "accessEntryArn": f"arn:aws:eks:us-west-2:{ACCOUNT}:access-entry/{name}/x",
            "createdAt": 1767225600.0,
            "modifiedAt": 1767225600.0,
            "tags": {},
            "type": entry.type,
        }
        if entry.username is not None:
            body["username"] = entry.username
        return {"accessEntry": body}

    def _list_associated_access_policies(self, name: str, arn: str) -> dict[str, Any]:
        policies = []
        for policy, namespaces in self.entries[arn].policies:
            scope: dict[str, Any] = {"type": "cluster", "namespaces": []}
            if namespaces is not None:
                scope = {"type": "namespace", "namespaces": list(namespaces)}
            policies.append(
                {
                    "policyArn": f"arn:aws:eks::aws:cluster-access-policy/{policy}",
                    "accessScope": scope,
                    "associatedAt": 1767225600.0,
                    "modifiedAt": 1767225600.0,
                }
            )
        return {"clusterName": name, "principalArn": arn, "associatedAccessPolicies": policies}


def route(path: str) -> tuple[str, tuple[str, ...]]:
    """The EKS operation a request path asks for, and the names in the path."""
    for pattern, operation in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return operation, tuple(unquote(group) for group in match.groups())
    raise AssertionError(f"no EKS operation at {path}")


def _denied_message(operation: str) -> str:
    return (
        f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: "
        f"eks:{operation} on resource: arn:aws:eks:us-west-2:{ACCOUNT}:cluster/my-cluster"
    )
