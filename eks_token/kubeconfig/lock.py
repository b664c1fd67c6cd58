"""kubectl's kubeconfig lock: ``<file>.lock``, created exclusively, held around each write.

kubectl (client-go) creates ``<file>.lock`` with O_CREAT|O_EXCL before it
writes a kubeconfig file and removes it afterwards; when the lock exists it
fails at once and never removes a lock it did not create. eks-token takes the
same lock, so neither loses the other's changes, but waits for it (up to a
bounded time) instead of failing. A stale lock, left by a killed process, is
not broken either: after the wait the error names the lock file to remove.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

from eks_token.errors import KubeconfigError

__all__ = ["DEFAULT_LOCK_TIMEOUT", "kubeconfig_lock", "lock_path"]

#: Seconds to wait for another writer's lock before giving up.
DEFAULT_LOCK_TIMEOUT = 10.0
_FIRST_DELAY = 0.005
_MAX_DELAY = 0.1
# Signals that end the process by default: while the lock is held they raise instead,
# so the lock is removed on the way out.
_RELEASE_ON = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def lock_path(path: Path) -> Path:
    """The lock kubectl takes for ``path``: the name as given with ``.lock`` appended."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def kubeconfig_lock(
    path: Path,
    *,
    timeout: float = DEFAULT_LOCK_TIMEOUT,
    on_wait: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Hold ``<path>.lock`` for the block; wait up to ``timeout`` seconds for it to be free.

    ``on_wait`` is called once, with the lock's path, when the lock is found taken.
    The lock is removed when the block ends, by an exception too, and by
    SIGTERM or SIGHUP when this runs in the main thread.
    """
    lock = lock_path(path)
    deadline = time.monotonic() + timeout
    delay = _FIRST_DELAY
    waited = False
    while True:
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise KubeconfigError(f"cannot lock {path}: {lock}: {reason}", path=str(path)) from exc
        if not waited:
            waited = True
            if on_wait is not None:
                on_wait(lock)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KubeconfigError(
                f"{lock} has been held for {timeout:g}s: another kubectl or eks-token is "
                f"writing {path}; if none is running, the lock is stale: remove {lock}",
                path=str(path),
            )
        time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
        delay = min(delay * 2, _MAX_DELAY)
    os.close(fd)
    previous = _raise_on_signals()
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        _restore(previous)


def _raise_on_signals() -> dict[int, object]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous: dict[int, object] = {}
    for signum in _RELEASE_ON:
        current = signal.getsignal(signum)
        if current is signal.SIG_DFL:
            previous[signum] = current
            signal.signal(signum, handler)
    return previous


def _restore(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
