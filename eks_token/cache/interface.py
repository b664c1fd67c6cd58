"""The token-cache interface, and the in-memory cache for one process."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from eks_token.core.token import Token

__all__ = ["FRESHNESS_MARGIN", "MemoryTokenCache", "TokenCache"]

#: Serve a cached token only while this much is left: the Python kubernetes
#: client refreshes 5 minutes before expiry and would otherwise re-run the plugin
#: on every request.
FRESHNESS_MARGIN = timedelta(minutes=6)


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
        if token is None or token.expired(now, self.margin):
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
