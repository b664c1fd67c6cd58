"""Time, one way everywhere: a callable that tells the time is a ``clock``, a moment is ``now``.

Moments are timezone-aware UTC datetimes; on the wire they are RFC 3339 with whole seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

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
    """Parse an RFC 3339 date-time (section 5.6) to aware UTC, the same on every Python.

    ``2026-11-28T21:33:04Z``, lower-case ``t``/``z``, a space for ``T``, fractional
    seconds of any length (kept to the microsecond), ``+01:00``/``-00:00`` offsets, and
    a leap second (``:60``, read as the next second). A time without an offset is refused.
    """
    import re

    # ASCII digits and whitespace only: "\d" and str.strip() also take other scripts'.
    stripped = text.strip(" \t\r\n")
    match = re.fullmatch(_RFC3339, stripped, re.ASCII)
    if match is None:
        if re.fullmatch(_RFC3339.replace(_OFFSET, ""), stripped, re.ASCII):
            raise InvalidInputError(f"timestamp has no time zone: {text!r}")
        raise InvalidInputError(f"not an RFC 3339 timestamp: {text!r} (write 2026-11-28T21:33:04Z)")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "")[:6].ljust(6, "0"))
    leap = int(second) == 60
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            59 if leap else int(second),
            micro,
            tzinfo=_zone(offset),
        )
    except ValueError as exc:
        raise InvalidInputError(f"not an RFC 3339 timestamp: {text!r} ({exc})") from None
    if leap:
        moment += timedelta(seconds=1)
    return moment.astimezone(timezone.utc)


_OFFSET = r"([Zz]|[+-]\d{2}:\d{2})"
_RFC3339 = r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?" + _OFFSET


def _zone(offset: str) -> timezone:
    if offset in ("Z", "z"):
        return timezone.utc
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {offset} out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if offset[0] == "-" else delta)
