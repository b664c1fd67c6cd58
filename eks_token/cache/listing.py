"""What ``eks-token cache list`` shows of each entry: never the token, only about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from eks_token.cache.entry import (
    FRESH,
    STALE,
    TOKEN_LIFETIME_SECONDS,
    signed_ahead,
)
from eks_token.core.token import signing_region

if TYPE_CHECKING:
    from eks_token.cache.entry import CacheEntry

__all__ = ["CachedToken", "summarize"]


@dataclass(frozen=True)
class CachedToken:
    """One cache entry as a person reads it.

    ``status`` is ``fresh`` (served while more than the freshness margin is left),
    ``stale`` (signed again on next use), ``expired``, or ``future``: signed later than
    ``now`` plus the skew STS tolerates (written while the clock was ahead; STS refuses it,
    so it is never served and is signed again on next use). ``signed`` is the token's
    signing time (None when it does not read). ``cut_short``: the token ends
    before its 14 minutes because its credentials expire sooner. ``region`` is the
    region the token was signed for (None when it does not read). The text fields are
    as stored: escape them before printing.
    """

    cluster_id: str | None
    region: str | None
    role_arn: str | None
    profile: str | None
    expiration: datetime
    time_left: timedelta
    status: str
    cut_short: bool
    signed: datetime | None = None


def summarize(entry: CacheEntry, now: datetime, margin: timedelta) -> CachedToken:
    """``entry`` at ``now``, stale once no more than ``margin`` is left (the entry's
    :meth:`~eks_token.cache.entry.CacheEntry.state`)."""
    key = entry.key()
    expiration = datetime.fromtimestamp(entry.expires, timezone.utc)
    moment = now.timestamp()
    state = entry.state(moment, margin.total_seconds())
    signed = entry.signed
    if state == FRESH:
        status = "fresh"
    elif state == STALE:
        status = "stale"
    else:
        status = "future" if signed_ahead(signed, moment) else "expired"
    return CachedToken(
        cluster_id=entry.cluster_id or key.get("cluster_id") or None,
        region=signing_region(entry.token),
        role_arn=key.get("role_arn") or None,
        profile=key.get("profile") or key.get("env.AWS_PROFILE") or None,
        expiration=expiration,
        time_left=expiration - now,
        status=status,
        cut_short=signed is not None and entry.expires < signed + TOKEN_LIFETIME_SECONDS,
        signed=datetime.fromtimestamp(signed, timezone.utc) if signed is not None else None,
    )
