"""The one atomic file writer: a new file beside the target, renamed over it.

Readers see the old file or the new one, never half of one. The new file is
created exclusively (``O_EXCL``, ``O_NOFOLLOW``: a name planted in its place is
neither followed nor reused), given ``mode`` whatever the umask, written in
full, fsynced, and renamed over ``name``; on any failure it is removed and the
target stays as it was. The token cache and the kubeconfig writer both write
through here.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["temporary_name", "write_atomically"]

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


def temporary_name(prefix: str, suffix: str = "") -> str:
    """``prefix`` + this process's id + ``-`` + random hex + ``suffix``: unique, and telling
    which process wrote it (a clean-up can leave a live writer's file alone)."""
    return f"{prefix}{os.getpid()}-{os.urandom(6).hex()}{suffix}"


def write_atomically(
    name: str,
    data: bytes,
    *,
    dir_fd: int | None = None,
    temp_prefix: str,
    temp_suffix: str = "",
    mode: int = 0o600,
    before_rename: Callable[[int], None] | None = None,
    sync_directory: bool = False,
) -> None:
    """Replace (or create) ``name`` with a file holding ``data``, atomically.

    ``name`` is a path, relative to the directory open as ``dir_fd`` when given.
    The temporary file is made in the same directory, named by
    :func:`temporary_name`. ``before_rename`` gets the new file's descriptor after
    the data is written (to set its owner, say); whatever it raises ends the write
    with the target untouched. ``sync_directory`` also fsyncs the directory, so
    the rename itself survives a crash. Raises OSError.
    """
    directory, _ = os.path.split(name)
    temp = os.path.join(directory, temporary_name(temp_prefix, temp_suffix))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY
    fd = os.open(temp, flags, mode, dir_fd=dir_fd)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if before_rename is not None:
                before_rename(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
        if not hasattr(os, "fchmod"):
            os.chmod(temp, mode, dir_fd=dir_fd)
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:  # noqa: SIM105 - contextlib is not imported on the exec plugin's path
            os.unlink(temp, dir_fd=dir_fd)
        except OSError:
            pass
        raise
    if sync_directory:
        _sync_directory(directory, dir_fd)


def _sync_directory(directory: str, dir_fd: int | None) -> None:
    """fsync the directory (POSIX only; a directory that cannot be opened is skipped)."""
    if os.name != "posix":
        return
    if dir_fd is not None and not directory:
        fd = os.dup(dir_fd)
    else:
        try:
            fd = os.open(directory or ".", os.O_RDONLY | _O_CLOEXEC, dir_fd=dir_fd)
        except OSError:
            return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
