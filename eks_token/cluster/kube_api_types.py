"""What the Kubernetes API server answers: the errors, who we are, and what we may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eks_token.errors import ApiRequestError

__all__ = [
    "AccessReview",
    "UserInfo",
    "user_info_from",
]


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
