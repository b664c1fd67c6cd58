"""The cache directory and its files: safety checks, atomic writes, clean-up.

Everything works on a descriptor of the checked directory (``dir_fd``) and opens
entries with ``O_NOFOLLOW``, so a symbolic link swapped in later is never followed,
and with ``O_NONBLOCK``, so a FIFO or device put in an entry's place is refused
instead of waited on. Missing parent directories are created 0755 and the cache's
own 0700, whatever the umask.
"""

from __future__ import annotations

import os
import stat

from eks_token.cache.entry import (
    FRESHNESS_MARGIN_SECONDS,
    MAX_ENTRY_BYTES,
    CacheEntry,
    decode_entry,
)
from eks_token.cache.key import note_written, sha256_hex
from eks_token.errors import CacheError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CACHE_DIR_VARIABLE",
    "ENTRY_SUFFIX",
    "FRESHNESS_MARGIN_SECONDS",
    "LOCK_PREFIX",
    "NO_CACHE_VARIABLE",
    "O_CLOEXEC",
    "O_NOFOLLOW",
    "O_NONBLOCK",
    "TEMP_PREFIX",
    "cache_disabled",
    "default_cache_dir",
    "entry_name",
    "lock_name",
    "make_directories",
    "open_cache_dir",
    "read_entry",
    "read_entry_checked",
    "unlink",
    "write_atomically",
    "writer_alive",
]

CACHE_DIR_VARIABLE = "EKS_TOKEN_CACHE_DIR"
NO_CACHE_VARIABLE = "EKS_TOKEN_NO_CACHE"
DEFAULT_CACHE_DIR = "~/.kube/cache/eks-token"
ENTRY_SUFFIX = ".entry"
TEMP_PREFIX = ".tmp-"
#: One lock file per key (``.lock-`` and the entry's hash), so that a signer stuck on
#: an MFA prompt or an unreachable STS holds up only the requests for its own key.
#: Empty; removed with the key's entry (by pruning, only while nobody holds it).
LOCK_PREFIX = ".lock-"
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def default_cache_dir(environ: Mapping[str, str] | None = None) -> str:
    """``$EKS_TOKEN_CACHE_DIR``, else ``~/.kube/cache/eks-token``."""
    env = os.environ if environ is None else environ
    configured = env.get(CACHE_DIR_VARIABLE)
    if configured:
        return configured
    home = env.get("HOME")
    return home + DEFAULT_CACHE_DIR[1:] if home else os.path.expanduser(DEFAULT_CACHE_DIR)


def cache_disabled(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``EKS_TOKEN_NO_CACHE`` is set to anything but ``0``, ``false`` or ``no``."""
    env = os.environ if environ is None else environ
    value = env.get(NO_CACHE_VARIABLE, "").strip().lower()
    return value not in ("", "0", "false", "no")


def entry_name(key_lines: str) -> str:
    return sha256_hex(key_lines) + ENTRY_SUFFIX


def lock_name(entry: str) -> str:
    """The lock file of the entry called ``entry``."""
    return LOCK_PREFIX + entry[: -len(ENTRY_SUFFIX)]


def make_directories(path: str) -> None:
    """Create ``path`` (mode 0700) and its missing parents (mode 0755).

    ``os.makedirs`` would give the parents the umask's mode (0777 under umask 000,
    letting anyone replace ``~/.kube/config``); the umask can only narrow these.
    """
    missing: list[str] = []
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for index, directory in enumerate(reversed(missing)):
        mode = 0o700 if index == len(missing) - 1 else 0o755
        try:
            os.mkdir(directory, mode)
        except FileExistsError:
            continue  # made by another process meanwhile


def open_cache_dir(path: str, *, create: bool = False) -> int:
    """A descriptor of the cache directory after checking that it is safe to use.

    Raises FileNotFoundError when it is missing and ``create`` is false, and
    CacheError when it is a symbolic link, not ours, or writable by others.
    """
    if not (hasattr(os, "getuid") and os.open in os.supports_dir_fd):
        raise CacheError("the token cache is not supported on this platform")
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | O_NOFOLLOW | O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if not create:
            raise
        try:
            make_directories(path)
            fd = os.open(path, flags)
        except OSError as exc:
            raise CacheError(f"cannot create the cache directory {path}: {exc.strerror}") from exc
    except OSError as exc:
        if os.path.islink(path):
            raise CacheError(f"the cache directory {path} is a symbolic link") from exc
        raise CacheError(f"cannot open the cache directory {path}: {exc.strerror}") from exc
    info = os.fstat(fd)
    problem = _unsafe(info, writable_by_others=0o022)
    if problem:
        os.close(fd)
        raise CacheError(f"the cache directory {path} {problem}")
    return fd


def read_entry(dir_fd: int, name: str) -> CacheEntry | None:
    """The entry called ``name``; None when missing, unsafe or corrupt."""
    return read_entry_checked(dir_fd, name)[0]


def read_entry_checked(dir_fd: int, name: str) -> tuple[CacheEntry | None, str | None]:
    try:
        fd = os.open(name, os.O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot open cache entry {name}: {exc.strerror}"
    try:
        problem = _unsafe(os.fstat(fd), writable_by_others=0o077, regular=True)
        if problem:
            return None, f"cache entry {name} {problem}"
        data = os.read(fd, MAX_ENTRY_BYTES + 1)
        if len(data) > MAX_ENTRY_BYTES:
            return None, f"cache entry {name} is too large"
    except OSError as exc:
        return None, f"cannot read cache entry {name}: {exc.strerror}"
    finally:
        os.close(fd)
    entry = decode_entry(data)
    return entry, None if entry is not None else f"cache entry {name} is incomplete or corrupt"


def _unsafe(info: os.stat_result, *, writable_by_others: int, regular: bool = False) -> str:
    if regular and not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if not regular and not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != os.getuid():
        return "belongs to another user"
    if info.st_mode & writable_by_others:
        return f"has mode {stat.S_IMODE(info.st_mode):04o}, open to other users"
    return ""


def write_atomically(dir_fd: int, name: str, data: bytes) -> None:
    """Replace entry ``name`` with ``data`` (mode 0600) through a ``.tmp-<pid>-`` file, and
    note what was written (a key computed before this write still describes it)."""
    from eks_token.core.atomic_file import write_atomically as replace

    replace(name, data, dir_fd=dir_fd, temp_prefix=TEMP_PREFIX, mode=0o600)
    try:
        written = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return  # replaced or removed already: then it is not ours to vouch for
    note_written(written)


def writer_alive(temp_name: str) -> bool:
    pid = temp_name[len(TEMP_PREFIX) :].partition("-")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def unlink(dir_fd: int, name: str) -> bool:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        return False
    return True
