"""The static rules the cluster applies to a token before it asks STS (protocol §5, 1-15),
and one of STS's: a token signed more than STS's clock skew after ``now`` ("future").

:func:`check_token` stops at the first broken rule, as the cluster does;
:func:`inspect_token` runs every rule it can and reports what the token holds,
for ``eks-token decode``. Neither touches the network, and neither ever
returns or prints the signature or the session token. The rules themselves
are in :mod:`eks_token.cluster.token_checks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from eks_token.cluster.sts_hosts import sts_host_pattern
from eks_token.cluster.token_checks import (
    ALLOWED_PARAMETERS,
    PRESIGN_VALIDITY,
    RULES,
    RuleFailure,
    run_rules,
    token_length,
)
from eks_token.core.endpoints import partition_for_region
from eks_token.errors import InvalidInputError, TokenValidationError

__all__ = [
    "ALLOWED_PARAMETERS",
    "PRESIGN_VALIDITY",
    "RULES",
    "CheckedToken",
    "RuleFailure",
    "TokenReport",
    "check_token",
    "inspect_token",
    "sts_host_pattern",
]


@dataclass(frozen=True)
class CheckedToken:
    """A token that passed every static rule: what the STS call and the identity need."""

    url: str = field(repr=False)
    host: str
    access_key_id: str
    signing_time: datetime

    def __post_init__(self) -> None:
        if self.signing_time.tzinfo is None:
            raise InvalidInputError("signing_time must be timezone-aware")


@dataclass(frozen=True)
class TokenReport:
    """What ``eks-token decode`` shows: the token's fields and every rule it breaks."""

    length: int
    sts_host: str | None = None
    region: str | None = None
    partition: str | None = None
    access_key_id: str | None = None
    signing_time: datetime | None = None
    age: timedelta | None = None
    time_left: timedelta | None = None
    signed_headers: tuple[str, ...] = ()
    session_token_present: bool = False
    failures: tuple[RuleFailure, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, object]:
        def seconds(delta: timedelta | None) -> int | None:
            return None if delta is None else int(delta.total_seconds())

        signed = self.signing_time
        return {
            "valid": self.valid,
            "length": self.length,
            "sts_host": self.sts_host,
            "region": self.region,
            "partition": self.partition,
            "access_key_id": self.access_key_id,
            "signing_time": signed.strftime("%Y-%m-%dT%H:%M:%SZ") if signed else None,
            "age_seconds": seconds(self.age),
            "time_left_seconds": seconds(self.time_left),
            "signed_headers": list(self.signed_headers),
            "session_token_present": self.session_token_present,
            "failed_rules": [{"rule": f.rule, "message": f.message} for f in self.failures],
        }


def check_token(
    token: str, *, now: datetime, partition: str = "aws", extra_regions: Iterable[str] = ()
) -> CheckedToken:
    """Apply rules 1-15 in order; the first broken one raises its TokenValidationError.

    ``extra_regions`` are regions whose STS hosts are accepted although botocore's
    endpoint data does not list them for ``partition`` (a region newer than it).
    """

    def fail(rule: str, message: str) -> None:
        raise TokenValidationError(message, rule=rule)

    fields = run_rules(token, now, partition, fail, extra_regions)
    if fields.url is None or fields.host is None or fields.signing_time is None:
        raise TokenValidationError("the token could not be read", rule="url")  # unreachable
    return CheckedToken(fields.url, fields.host, fields.access_key_id or "", fields.signing_time)


def inspect_token(
    token: str, *, now: datetime, partition: str = "aws", extra_regions: Iterable[str] = ()
) -> TokenReport:
    """Run every rule that can run and describe the token; never raises for a bad token."""
    failures: list[RuleFailure] = []
    fields = run_rules(
        token, now, partition, lambda r, m: failures.append(RuleFailure(r, m)), extra_regions
    )
    region = fields.region
    age = now - fields.signing_time if fields.signing_time else None
    return TokenReport(
        length=token_length(token),
        sts_host=fields.host,
        region=region,
        partition=partition_for_region(region).name if region else None,
        access_key_id=fields.access_key_id,
        signing_time=fields.signing_time,
        age=age,
        time_left=PRESIGN_VALIDITY - age if age is not None else None,
        signed_headers=fields.signed_headers,
        session_token_present=fields.session_token_present,
        failures=tuple(failures),
    )
