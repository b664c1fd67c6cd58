"""Time, one way everywhere: a callable that tells the time is a ``clock``, a moment is ``now``.

Moments are timezone-aware UTC datetimes; on the wire they are RFC 3339 with whole seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from eks_token.errors import InvalidInputError

__all__ = ["Clock", "format_rfc3339", "parse_rfc3339", "utc_now"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def format_rfc3339(moment: datetime) -> str:
    """``2026-11-28T21:33:04Z``: UTC with whole seconds, as ExecCredential expects."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime:
    """Parse ``2026-11-28T21:33:04Z`` (or any ISO 8601 form with an offset) to aware UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(f"not an RFC 3339 timestamp: {text!r}") from exc
    if moment.tzinfo is None:
        raise InvalidInputError(f"timestamp has no time zone: {text!r}")
    return moment.astimezone(timezone.utc)
