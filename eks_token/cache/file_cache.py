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
import stat

from eks_token.cache.entry import CacheEntry, encode_entry, key_text, servable
from eks_token.cache.files import (
    ENTRY_SUFFIX,
    LOCK_PREFIX,
    O_CLOEXEC,
    O_NOFOLLOW,
    O_NONBLOCK,
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
from eks_token.errors import CacheError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from datetime import datetime, timedelta

    from eks_token.cache.interface import TokenCache
    from eks_token.core.token import Token

__all__ = ["FileTokenCache", "fetch_or_sign"]


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

    def _problem(self, message: str) -> None:
        if self._on_problem is not None and message not in self._reported:
            self._reported.add(message)
            self._on_problem(message)

    def _open(self, *, create: bool) -> int | None:
        try:
            return open_cache_dir(self.directory, create=create)
        except FileNotFoundError:
            return None
        except CacheError as exc:
            self._problem(f"not using the token cache: {exc}")
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
            self._problem(f"{problem}; signing a new token")
        if entry is None:
            return None
        if not entry.fresh_for(lines, now.timestamp(), self.margin.total_seconds()):
            return None
        expiration = datetime.fromtimestamp(entry.expires, timezone.utc)
        return Token(entry.token, expiration, entry.cluster_id)

    def put(self, key: Mapping[str, str], token: Token) -> None:
        if not servable(token.value):
            self._problem("not caching a token that is not a k8s-aws-v1. token")
            return
        lines = key_text(key)
        data = encode_entry(lines, token.value, int(token.expiration.timestamp()), token.cluster_id)
        dir_fd = self._open(create=True)
        if dir_fd is None:
            return
        try:
            write_atomically(dir_fd, entry_name(lines), data)
        except OSError as exc:
            self._problem(f"could not write the token cache: {exc.strerror or exc}")
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
                if name.startswith(LOCK_PREFIX) and not _exists(
                    dir_fd, name[len(LOCK_PREFIX) :] + ENTRY_SUFFIX
                ):
                    _remove_idle_lock(dir_fd, name)
        finally:
            os.close(dir_fd)

    def single_flight(self, key: Mapping[str, str]) -> _KeyLock:
        """A lock for ``key`` alone: one process signs while the others wait for it (up to
        lock_timeout); requests for other keys never wait on it."""
        return _KeyLock(self, lock_name(entry_name(key_text(key))))


def fetch_or_sign(
    cache: TokenCache,
    key: Mapping[str, str],
    now: datetime,
    sign: Callable[[], Token],
    *,
    rekey: Callable[[], Mapping[str, str]] | None = None,
) -> Token:
    """The cached token for ``key`` at ``now``, or ``sign()``'s, stored for next time.

    With a :class:`FileTokenCache` a miss takes the key's lock first, so that
    processes missing together sign once. ``rekey``: the key as it stands after
    signing, which stores the token (signing may change what the key looks at, such as
    the role credentials it caches in ``~/.aws/cli/cache``).
    """
    token = cache.get(key, now)
    if token is not None:
        return token
    if not isinstance(cache, FileTokenCache):
        token = sign()
        cache.put(rekey() if rekey is not None else key, token)
        return token
    with cache.single_flight(key):
        token = cache.get(key, now)
        if token is not None:
            return token
        token = sign()
        cache.put(rekey() if rekey is not None else key, token)
    cache.prune(now)
    return token


class _KeyLock:
    def __init__(self, cache: FileTokenCache, name: str) -> None:
        self._cache = cache
        self._name = name
        self._fd: int | None = None

    def __enter__(self) -> bool:
        """True when the lock is held; False when the cache or lock is unusable or the
        wait timed out (the caller then signs without it)."""
        import time

        dir_fd = self._cache._open(create=True)
        if dir_fd is None:
            return False
        try:
            return self._acquire(dir_fd, time.monotonic() + self._cache.lock_timeout)
        finally:
            os.close(dir_fd)

    def _acquire(self, dir_fd: int, deadline: float) -> bool:
        import fcntl
        import time

        pause = 0.005
        while True:
            fd = self._open_lock(dir_fd)
            if fd is None:
                return False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    self._cache._problem("timed out waiting for another eks-token to sign")
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
                continue
            except OSError as exc:
                os.close(fd)
                self._cache._problem(f"cannot lock the token cache: {exc.strerror}")
                return False
            if _still_linked(dir_fd, self._name, fd):
                self._fd = fd
                return True
            # prune removed this lock file between our open and our flock: lock the
            # file now at that name instead, or two processes could both "hold" it.
            os.close(fd)

    def _open_lock(self, dir_fd: int) -> int | None:
        try:
            flags = os.O_RDWR | os.O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
            fd = os.open(self._name, flags, 0o600, dir_fd=dir_fd)
        except OSError as exc:
            self._cache._problem(f"cannot open the cache lock: {exc.strerror}")
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            self._cache._problem("the cache lock is not a regular file")
            return None
        return fd

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


def _still_linked(dir_fd: int, name: str, fd: int) -> bool:
    """True when ``fd`` is still the file called ``name`` in the directory."""
    held = os.fstat(fd)
    try:
        current = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return False
    return held.st_nlink > 0 and (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


def _remove_idle_lock(dir_fd: int, name: str) -> None:
    """Remove the lock file ``name`` unless someone holds it (we hold it while removing,
    and a waiter that opened it before checks :func:`_still_linked` after locking)."""
    import fcntl

    try:
        fd = os.open(name, os.O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        unlink(dir_fd, name)
    except OSError:
        return  # held: in use
    finally:
        os.close(fd)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return False
    return True
