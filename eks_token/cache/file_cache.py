"""A token cache on disk, shared by every process of one user.

One small file per key in one directory (mode 0700, entries 0600). Entries are
written to a temporary file, fsynced and renamed into place, so a reader sees a
whole entry or none. A directory or entry that is a symbolic link, owned by
another user or writable by others is not used. On a miss, one process signs
while the others wait on a file lock and then read what it wrote. Nothing here
raises for storage problems: a cache that cannot be used is a miss.
"""

from __future__ import annotations

import os

from eks_token.cache.entry import CacheEntry, encode_entry, key_text, servable
from eks_token.cache.files import (
    ENTRY_SUFFIX,
    LOCK_PREFIX,
    TEMP_PREFIX,
    default_cache_dir,
    entry_name,
    lock_name,
    open_cache_dir,
    read_entry,
    read_entry_checked,
    unlink,
    write_atomically,
    writer_alive,
)
from eks_token.cache.key import CacheKey
from eks_token.cache.key_lock import KeyLock, exists, remove_idle_lock
from eks_token.errors import CacheError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from datetime import datetime, timedelta

    from eks_token.cache.interface import TokenCache
    from eks_token.cache.listing import CachedToken
    from eks_token.core.token import Token

__all__ = ["FileTokenCache", "fetch_or_sign", "store_signed"]


class FileTokenCache:
    """A :class:`~eks_token.cache.interface.TokenCache` in a directory, shared between processes.

    ``on_problem`` receives one line for each reason the cache could not be
    used (a symlinked directory, a corrupt entry, a full disk); by default they
    are ignored and the cache simply misses.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        margin: timedelta | None = None,
        lock_timeout: float = 10.0,
        on_problem: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        from eks_token.cache.interface import FRESHNESS_MARGIN

        self.directory = (
            os.fspath(directory) if directory is not None else default_cache_dir(environ)
        )
        self.margin = FRESHNESS_MARGIN if margin is None else margin
        self.lock_timeout = lock_timeout
        self._on_problem = on_problem
        self._reported: set[str] = set()

    def __repr__(self) -> str:
        return f"FileTokenCache({self.directory!r})"

    def note(self, message: str) -> None:
        """Tell ``on_problem`` (once per message) why the cache was not used."""
        if self._on_problem is not None and message not in self._reported:
            self._reported.add(message)
            self._on_problem(message)

    def _open(self, *, create: bool) -> int | None:
        try:
            return open_cache_dir(self.directory, create=create)
        except FileNotFoundError:
            return None
        except CacheError as exc:
            self.note(f"not using the token cache: {exc}")
            return None

    def get(self, key: Mapping[str, str], now: datetime) -> Token | None:
        from datetime import datetime, timezone

        from eks_token.core.token import Token

        lines = key_text(key)
        dir_fd = self._open(create=False)
        if dir_fd is None:
            return None
        try:
            entry, problem = read_entry_checked(dir_fd, entry_name(lines))
        finally:
            os.close(dir_fd)
        if problem:
            self.note(f"{problem}; signing a new token")
        if entry is None:
            return None
        if not entry.fresh_for(lines, now.timestamp(), self.margin.total_seconds()):
            return None
        expiration = datetime.fromtimestamp(entry.expires, timezone.utc)
        return Token(entry.token, expiration, entry.cluster_id)

    def put(self, key: Mapping[str, str], token: Token) -> None:
        if not servable(token.value):
            self.note("not caching a token that is not a k8s-aws-v1. token")
            return
        lines = key_text(key)
        data = encode_entry(lines, token.value, int(token.expiration.timestamp()), token.cluster_id)
        dir_fd = self._open(create=True)
        if dir_fd is None:
            return
        try:
            write_atomically(dir_fd, entry_name(lines), data)
        except OSError as exc:
            self.note(f"could not write the token cache: {exc.strerror or exc}")
        finally:
            os.close(dir_fd)

    def entries(self) -> Iterator[CacheEntry]:
        """Every readable entry, fresh or not (for listing)."""
        dir_fd = self._open(create=False)
        if dir_fd is None:
            return
        try:
            for name in sorted(os.listdir(dir_fd)):
                if name.endswith(ENTRY_SUFFIX):
                    entry = read_entry(dir_fd, name)
                    if entry is not None:
                        yield entry
        finally:
            os.close(dir_fd)

    def summaries(self, now: datetime) -> list[CachedToken]:
        """Every readable entry as it stands at ``now`` (for listing; never the token)."""
        from eks_token.cache.listing import summarize

        return [summarize(entry, now, self.margin) for entry in self.entries()]

    def clear(self) -> int:
        """Remove every entry, lock and temporary file; return how many entries went."""
        dir_fd = open_cache_dir(self.directory) if os.path.lexists(self.directory) else None
        if dir_fd is None:
            return 0
        removed = 0
        try:
            for name in os.listdir(dir_fd):
                ours = name.endswith(ENTRY_SUFFIX) or name.startswith((TEMP_PREFIX, LOCK_PREFIX))
                if ours and unlink(dir_fd, name) and name.endswith(ENTRY_SUFFIX):
                    removed += 1
        finally:
            os.close(dir_fd)
        return removed

    def prune(self, now: datetime) -> None:
        """Remove expired entries, the idle locks of keys without an entry, and
        temporary files of writers that died."""
        dir_fd = self._open(create=False)
        if dir_fd is None:
            return
        try:
            names = os.listdir(dir_fd)
            for name in names:
                if name.endswith(ENTRY_SUFFIX):
                    entry = read_entry(dir_fd, name)
                    if entry is not None and entry.expires <= now.timestamp():
                        unlink(dir_fd, name)
                elif name.startswith(TEMP_PREFIX) and not writer_alive(name):
                    unlink(dir_fd, name)
            for name in names:
                if name.startswith(LOCK_PREFIX) and not exists(
                    dir_fd, name[len(LOCK_PREFIX) :] + ENTRY_SUFFIX
                ):
                    remove_idle_lock(dir_fd, name)
        finally:
            os.close(dir_fd)

    def single_flight(self, key: Mapping[str, str]) -> KeyLock:
        """A lock for ``key`` alone: one process signs while the others wait for it (up to
        lock_timeout); requests for other keys never wait on it."""
        return KeyLock(
            lock_name(entry_name(key_text(key))),
            open_dir=lambda: self._open(create=True),
            timeout=self.lock_timeout,
            on_problem=self.note,
        )


def fetch_or_sign(
    cache: TokenCache,
    key: CacheKey | Mapping[str, str],
    now: datetime,
    sign: Callable[[], Token],
) -> Token:
    """The cached token for ``key`` at ``now``, or ``sign()``'s, stored for next time
    (:func:`store_signed`).

    With a :class:`FileTokenCache` a miss takes the key's lock first, so that
    processes missing together sign once.
    """
    material = key.material if isinstance(key, CacheKey) else key
    token = cache.get(material, now)
    if token is not None:
        return token
    if not isinstance(cache, FileTokenCache):
        token = sign()
        store_signed(cache, key, token)
        return token
    with cache.single_flight(material):
        token = cache.get(material, now)
        if token is not None:
            return token
        token = sign()
        store_signed(cache, key, token)
    cache.prune(now)
    return token


def store_signed(cache: TokenCache, key: CacheKey | Mapping[str, str], token: Token) -> bool:
    """Store ``token``, just signed for ``key``; False when it must not be stored.

    A :class:`~eks_token.cache.key.CacheKey` stores it under the key as the files stand
    after signing, and only when they still describe what was signed
    (:meth:`~eks_token.cache.key.CacheKey.after_signing`); otherwise the token serves the
    call that signed it and is not kept. Plain key material is used as it is.
    """
    material = key.after_signing() if isinstance(key, CacheKey) else key
    if material is None:
        if isinstance(cache, FileTokenCache):
            cache.note(
                "not caching the token: the AWS files it was signed with changed while it "
                "was signed"
            )
        return False
    cache.put(material, token)
    return True
