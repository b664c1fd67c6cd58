"""The signer's options: one frozen value that every layer passes along.

Region, profile, role and endpoint are what decides, besides the environment, which
identity signs and which STS endpoint the token is for. Each field is checked once,
when the value is made; empty strings mean "not given". Cheap to import: the exec
plugin's cache-hit path builds one to find its cache entry.
"""

from __future__ import annotations

from eks_token.core.inputs import validate_region, validate_role_arn, validate_session_name
from eks_token.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypedDict

    class SignerOptionArgs(TypedDict, total=False):
        """The keyword arguments that make a :class:`SignerOptions`."""

        region: str | None
        profile: str | None
        role_arn: str | None
        external_id: str | None
        session_name: str | None
        forward_session_name: bool
        sts_endpoint_url: str | None


__all__ = ["SignerOptions"]

_FIELDS = (
    "region",
    "profile",
    "role_arn",
    "external_id",
    "session_name",
    "forward_session_name",
    "sts_endpoint_url",
)


class SignerOptions:
    """Which identity signs and for which endpoint, as given (not yet resolved).

    ``role_arn`` is assumed with the base credentials; ``external_id`` and
    ``session_name`` (or ``forward_session_name``: the caller's own session name)
    go with it. ``sts_endpoint_url`` overrides the endpoint botocore would pick.
    """

    __slots__ = _FIELDS

    region: str | None
    profile: str | None
    role_arn: str | None
    external_id: str | None
    session_name: str | None
    forward_session_name: bool
    sts_endpoint_url: str | None

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        session_name: str | None = None,
        forward_session_name: bool = False,
        sts_endpoint_url: str | None = None,
    ) -> None:
        if session_name and forward_session_name:
            raise UsageError(
                "give a session name (-s) or forward the caller's (--forward-session-name), "
                "not both",
                option="session_name",
            )
        if (external_id or session_name or forward_session_name) and not role_arn:
            which = "-e/--external-id" if external_id else "a session name"
            raise UsageError(
                f"{which} needs a role ARN to assume (-r/--role, --role-arn or DEFAULT_ROLE)",
                option="role_arn",
            )
        values = {
            "region": validate_region(region) if region else None,
            "profile": profile or None,
            "role_arn": validate_role_arn(role_arn) if role_arn else None,
            "external_id": external_id or None,
            "session_name": validate_session_name(session_name) if session_name else None,
            "forward_session_name": bool(forward_session_name),
            "sts_endpoint_url": sts_endpoint_url or None,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SignerOptions is frozen; use replace(): {name}")

    def replace(self, **changes: Any) -> SignerOptions:
        """A copy with some fields changed (and checked again)."""
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown signer options: {', '.join(sorted(unknown))}")
        return SignerOptions(**{**self.as_dict(), **changes})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SignerOptions):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in _FIELDS))

    def __repr__(self) -> str:
        given = ", ".join(f"{n}={getattr(self, n)!r}" for n in _FIELDS if getattr(self, n))
        return f"SignerOptions({given})"
