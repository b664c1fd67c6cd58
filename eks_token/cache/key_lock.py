"""The per-key lock of the token cache: one process signs for a key while the others
wait, and lock files of keys without an entry can be removed safely."""

from __future__ import annotations

import os
import stat

from eks_token.cache.files import O_CLOEXEC, O_NOFOLLOW, O_NONBLOCK, unlink

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["KeyLock", "exists", "remove_idle_lock"]


class KeyLock:
    """The lock file ``name`` in the cache directory ``open_dir()`` opens (None: the cache
    is unusable), held with ``flock`` from ``__enter__`` to ``__exit__``. Waits up to
    ``timeout`` seconds; each reason it cannot lock goes to ``on_problem``."""

    def __init__(
        self,
        name: str,
        *,
        open_dir: Callable[[], int | None],
        timeout: float,
        on_problem: Callable[[str], None],
    ) -> None:
        self._name = name
        self._open_dir = open_dir
        self._timeout = timeout
        self._problem = on_problem
        self._fd: int | None = None

    def __enter__(self) -> bool:
        """True when the lock is held; False when the cache or lock is unusable or the
        wait timed out (the caller then signs without it)."""
        import time

        dir_fd = self._open_dir()
        if dir_fd is None:
            return False
        try:
            return self._acquire(dir_fd, time.monotonic() + self._timeout)
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
                    self._problem("timed out waiting for another eks-token to sign")
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
                continue
            except OSError as exc:
                os.close(fd)
                self._problem(f"cannot lock the token cache: {exc.strerror}")
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
            self._problem(f"cannot open the cache lock: {exc.strerror}")
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            self._problem("the cache lock is not a regular file")
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


def remove_idle_lock(dir_fd: int, name: str) -> None:
    """Remove the lock file ``name`` unless someone holds it (we hold it while removing,
    and a waiter that opened it before checks, after locking, that it is still linked)."""
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


def exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return False
    return True
