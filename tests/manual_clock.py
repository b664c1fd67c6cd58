"""A clock that moves only when a test moves it, shared by providers and test servers."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

START = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)


class ManualClock:
    """Callable like ``datetime.now(timezone.utc)``; thread-safe."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment
