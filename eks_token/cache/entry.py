"""The on-disk form of one cached token: a few text lines, checked whole on read.

::

    eks-token cache entry 1
    expires 1795901584
    token k8s-aws-v1.aHR0cHM6Ly9zdHMu...
    cluster my-cluster
    key cluster_id my-cluster
    key region us-west-2
    ...
    end

Names and values are escaped (backslash, space, CR, LF) so that each fits on
one line. The key lines are compared as a whole with the request's, so an
entry is served only for exactly the key it was written for.

An entry is never trusted further than its token: ``expires`` must not be later
than the token's own ``X-Amz-Date`` plus its lifetime (a tampered far-future
expiry is corrupt, not forever fresh), and a number too large for a time is
corrupt too, never an error.

This module also owns freshness, for every token the project hands out (the cache
on disk and in memory, the start-up path, the providers, ``cache list``):
:func:`token_state` says FRESH (serve it), STALE (still accepted, but sign a new
one now) or INVALID (never to be used: expired, or signed so far ahead of this
clock that STS refuses it). Plain arithmetic on epoch seconds: the start-up path
calls it without importing datetime.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FRESH",
    "FRESHNESS_MARGIN_SECONDS",
    "INVALID",
    "STALE",
    "STS_CLOCK_SKEW_SECONDS",
    "CacheEntry",
    "decode_entry",
    "encode_entry",
    "key_text",
    "servable",
    "signed_ahead",
    "token_signed_at",
    "token_state",
]

HEADER = "eks-token cache entry 1"
FOOTER = "end"
TOKEN_PREFIX = "k8s-aws-v1."
_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Entries are a few kilobytes; anything larger is not ours.
MAX_ENTRY_BYTES = 64 * 1024
#: ``eks_token.core.token.TOKEN_LIFETIME`` in seconds (no datetime on the start-up path).
TOKEN_LIFETIME_SECONDS = 14 * 60
#: A token is served (and kept by the providers) only while more than this is left: the
#: Python kubernetes client refreshes 5 minutes before expiry and would otherwise re-run
#: the plugin on every request. The one freshness threshold of the project.
FRESHNESS_MARGIN_SECONDS = 6 * 60
#: STS refuses a request signed more than this ahead of its own clock (SigV4's skew).
STS_CLOCK_SKEW_SECONDS = 5 * 60
#: The states of :func:`token_state`.
FRESH = "fresh"
STALE = "stale"
INVALID = "invalid"
#: 9999-12-31T23:59:59Z: later expiries cannot be printed as RFC 3339 times.
MAX_EXPIRES = 253402300799
_DATE_MARKER = b"X-Amz-Date="
#: Each base64url character as the two octal digits of its six bits.
_OCTAL = {ord(c): f"{i:02o}" for i, c in enumerate(_TOKEN_ALPHABET)}


def signed_ahead(signed: float | None, now: float) -> bool:
    """True when a token signed at ``signed`` (epoch seconds; None: unknown) claims a time
    later than ``now`` plus the skew STS tolerates: STS refuses it until then."""
    return signed is not None and signed > now + STS_CLOCK_SKEW_SECONDS


def token_state(
    expires: float, signed: float | None, now: float, margin: float = FRESHNESS_MARGIN_SECONDS
) -> str:
    """FRESH, STALE or INVALID at ``now`` for a token that expires at ``expires`` and was
    signed at ``signed`` (epoch seconds; None when the token does not say).

    FRESH while more than ``margin`` seconds are left; STALE from then until it expires;
    INVALID once expired, and for a token signed later than ``now`` plus the skew STS
    tolerates (one written while this clock was ahead: STS refuses it, however much of its
    life seems left).
    """
    if signed_ahead(signed, now):
        return INVALID
    left = expires - now
    if left <= 0:
        return INVALID
    return FRESH if left > margin else STALE


class CacheEntry:
    """A decoded entry; ``key_lines`` is the key text it was written for, ``signed`` the
    token's ``X-Amz-Date`` (epoch seconds)."""

    __slots__ = ("cluster_id", "expires", "key_lines", "signed", "token")

    def __init__(
        self,
        token: str,
        expires: int,
        cluster_id: str | None,
        key_lines: str,
        signed: int | None = None,
    ) -> None:
        self.token = token
        self.expires = expires
        self.cluster_id = cluster_id
        self.key_lines = key_lines
        self.signed = token_signed_at(token) if signed is None else signed

    def __repr__(self) -> str:
        return f"CacheEntry(cluster_id={self.cluster_id!r}, expires={self.expires})"

    def state(self, now: float, margin: float = FRESHNESS_MARGIN_SECONDS) -> str:
        """:func:`token_state` of the entry's token at ``now`` (epoch seconds)."""
        return token_state(self.expires, self.signed, now, margin)

    def fresh_for(self, key_lines: str, now: float, margin: float) -> bool:
        """True when written for ``key_lines`` and FRESH at ``now`` (epoch seconds) with
        ``margin``: more than ``margin`` seconds left, and not signed ahead of ``now``."""
        return self.key_lines == key_lines and self.state(now, margin) == FRESH

    def key(self) -> dict[str, str]:
        """The key material, unescaped."""
        pairs = (line.split(" ")[1:] for line in self.key_lines.split("\n") if line)
        return {_unescape(name): _unescape(value) for name, value in pairs}


def key_text(key: Mapping[str, str]) -> str:
    """The canonical text of ``key``: one ``key NAME VALUE`` line per item, sorted."""
    return "\n".join(f"key {_escape(name)} {_escape(key[name])}" for name in sorted(key))


def servable(token: str) -> bool:
    """True for a ``k8s-aws-v1.`` token whose characters need no escaping in JSON."""
    body = token[len(TOKEN_PREFIX) :]
    return token.startswith(TOKEN_PREFIX) and bool(body) and not body.strip(_TOKEN_ALPHABET)


def encode_entry(key_lines: str, token: str, expires: int, cluster_id: str | None) -> bytes:
    lines = [HEADER, f"expires {expires}", f"token {token}"]
    if cluster_id is not None:
        lines.append(f"cluster {_escape(cluster_id)}")
    lines.extend((key_lines, FOOTER, ""))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def decode_entry(data: bytes) -> CacheEntry | None:
    """The entry in ``data``, or None when it is incomplete, corrupt or not servable."""
    try:
        lines = data.decode("utf-8", "surrogatepass").split("\n")
    except UnicodeDecodeError:
        return None
    if len(lines) < 6 or lines[0] != HEADER or lines[-2:] != [FOOTER, ""]:
        return None
    expires, token = lines[1], lines[2]
    if not expires.startswith("expires ") or not token.startswith("token "):
        return None
    seconds, token = expires[8:], token[6:]
    if not (seconds.isascii() and seconds.isdigit() and len(seconds) <= 12) or not servable(token):
        return None
    signed = token_signed_at(token)
    if signed is None or int(seconds) > min(signed + TOKEN_LIFETIME_SECONDS, MAX_EXPIRES):
        return None
    cluster_id = None
    first_key = 3
    if lines[3].startswith("cluster "):
        cluster_id = _unescape(lines[3][8:])
        first_key = 4
    key_lines = lines[first_key:-2]
    if not all(line.startswith("key ") and line.count(" ") == 2 for line in key_lines):
        return None
    return CacheEntry(token, int(seconds), cluster_id, "\n".join(key_lines), signed)


def token_signed_at(token: str) -> int | None:
    """The token's ``X-Amz-Date`` in epoch seconds; None when it has none that reads.

    Imports nothing (the start-up path calls it on every cache hit): the base64 is
    decoded by writing each character's six bits as two octal digits and reading
    them as one number, so the work is done by ``str.translate`` and ``int``.
    """
    body = token[len(TOKEN_PREFIX) :]
    if not token.startswith(TOKEN_PREFIX) or body.strip(_TOKEN_ALPHABET):
        return None
    # Most of the time the date is within the first few hundred characters.
    window = min(len(body), 384)
    for length in (window, len(body)) if window < len(body) else (window,):
        bits = 6 * length
        size = bits // 8
        if not size:
            return None
        number = int(body[:length].translate(_OCTAL), 8) >> (bits - 8 * size)
        data = number.to_bytes(size, "big")
        at = data.find(_DATE_MARKER)
        begin = at + len(_DATE_MARKER)
        if at > 0 and len(data) >= begin + 16:
            if data[at - 1] not in b"?&" or b"?" not in data[:at]:
                return None
            return _amz_date_seconds(data[begin : begin + 16])
    return None


def _amz_date_seconds(text: bytes) -> int | None:
    """``yyyymmddThhmmssZ`` in epoch seconds, or None."""
    if len(text) != 16 or text[8:9] != b"T" or text[15:16] != b"Z":
        return None
    digits = text[:8] + text[9:15]
    if not digits.isdigit():  # bytes.isdigit is ASCII only
        return None
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60):
        return None
    # Days since 1970-01-01 of a proleptic Gregorian date (no calendar module needed).
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    of_era_days = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    days = era * 146097 + of_era_days - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace(" ", "\\s")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return "\\".join(
        part.replace("\\s", " ").replace("\\n", "\n").replace("\\r", "\r")
        for part in text.split("\\\\")
    )
