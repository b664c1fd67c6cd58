"""The token-cache interface, and the in-memory cache for one process."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from eks_token.cache.entry import FRESH, FRESHNESS_MARGIN_SECONDS, token_signed_at, token_state
from eks_token.core.token import Token

__all__ = ["FRESHNESS_MARGIN", "MemoryTokenCache", "TokenCache", "state_of"]

#: Serve a cached token (and keep a provider's) only while more than this is left
#: (:data:`eks_token.cache.entry.FRESHNESS_MARGIN_SECONDS`).
FRESHNESS_MARGIN = timedelta(seconds=FRESHNESS_MARGIN_SECONDS)


def state_of(token: Token, now: datetime, margin: timedelta = FRESHNESS_MARGIN) -> str:
    """FRESH, STALE or INVALID: :func:`~eks_token.cache.entry.token_state` of ``token`` at
    ``now`` (its expiry, and the signing time its ``X-Amz-Date`` claims)."""
    return token_state(
        token.expiration.timestamp(),
        token_signed_at(token.value),
        now.timestamp(),
        margin.total_seconds(),
    )


class TokenCache(Protocol):
    """Stores tokens under key material: a mapping of strings naming everything that
    decides which token is right. Implementations compare the whole key on read."""

    def get(self, key: Mapping[str, str], now: datetime) -> Token | None:
        """A token for ``key`` with at least the freshness margin left at ``now``, or None."""
        ...

    def put(self, key: Mapping[str, str], token: Token) -> None:
        """Remember ``token`` for ``key``; never raises for storage problems."""
        ...


class MemoryTokenCache:
    """A thread-safe :class:`TokenCache` that lives as long as the process."""

    def __init__(self, margin: timedelta = FRESHNESS_MARGIN) -> None:
        self.margin = margin
        self._entries: dict[tuple[tuple[str, str], ...], Token] = {}
        self._lock = threading.Lock()

    def get(self, key: Mapping[str, str], now: datetime) -> Token | None:
        with self._lock:
            token = self._entries.get(_frozen(key))
        if token is None or state_of(token, now, self.margin) != FRESH:
            return None
        return token

    def put(self, key: Mapping[str, str], token: Token) -> None:
        with self._lock:
            self._entries[_frozen(key)] = token

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _frozen(key: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(key.items()))
