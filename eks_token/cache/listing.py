"""What ``eks-token cache list`` shows of each entry: never the token, only about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from eks_token.cache.entry import TOKEN_LIFETIME_SECONDS, token_signed_at
from eks_token.core.token import signing_region

if TYPE_CHECKING:
    from eks_token.cache.entry import CacheEntry

__all__ = ["CachedToken", "summarize"]


@dataclass(frozen=True)
class CachedToken:
    """One cache entry as a person reads it.

    ``status`` is ``fresh`` (served while more than the freshness margin is left),
    ``stale`` (signed again on next use) or ``expired``. ``cut_short``: the token ends
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


def summarize(entry: CacheEntry, now: datetime, margin: timedelta) -> CachedToken:
    """``entry`` at ``now``, stale once no more than ``margin`` is left."""
    key = entry.key()
    expiration = datetime.fromtimestamp(entry.expires, timezone.utc)
    left = expiration - now
    status = "fresh"
    if left <= margin:
        status = "expired" if left <= timedelta(0) else "stale"
    signed = token_signed_at(entry.token)
    return CachedToken(
        cluster_id=entry.cluster_id or key.get("cluster_id") or None,
        region=signing_region(entry.token),
        role_arn=key.get("role_arn") or None,
        profile=key.get("profile") or key.get("env.AWS_PROFILE") or None,
        expiration=expiration,
        time_left=left,
        status=status,
        cut_short=signed is not None and entry.expires < signed + TOKEN_LIFETIME_SECONDS,
    )
