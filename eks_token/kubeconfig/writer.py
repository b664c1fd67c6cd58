"""Writing kubeconfig files safely, and choosing which file to write.

Each write holds kubectl's ``<file>.lock``, reads the file again under it,
and replaces the file atomically (:func:`eks_token.core.atomic_file.write_atomically`):
a temporary file in the same directory is written, fsynced, given the old
file's mode, owner and group, and renamed over the target, then the directory
is fsynced. Readers see the old or the new file, never half of one; concurrent
writers (eks-token or kubectl) never lose each other's entries. A symbolic link
is followed and stays a link. Only regular files are ever replaced: a character
device (``KUBECONFIG=/dev/null``) is written through, as kubectl writes it, and
a FIFO, socket or block device is refused before anything is read or written.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.files import (
    kind_of_mode,
    kubeconfig_paths,
    read_document,
    read_text,
    resolve_link,
)
from eks_token.kubeconfig.lock import DEFAULT_LOCK_TIMEOUT, kubeconfig_lock

__all__ = [
    "dump_document",
    "rewrite_document",
    "target_path",
    "update_file",
    "writable_target",
    "write_document",
]

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700


def dump_document(document: Mapping[str, Any]) -> str:
    """A whole document as YAML that kubectl reads back with the same values."""
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    return dump_yaml(dict(document))


def target_path(
    cluster_name: str,
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """``explicit``, else the first ``KUBECONFIG`` file that has the cluster, else the first.

    While looking, files that cannot be read or parsed are passed over, as the
    AWS CLI passes them; the file finally written is checked when it is written.
    """
    paths = kubeconfig_paths(explicit, environ)
    if explicit or len(paths) == 1:
        return paths[0]
    for path in paths:
        try:
            document = read_document(path)
        except KubeconfigError:
            continue
        clusters = (document or {}).get("clusters")
        if isinstance(clusters, list) and any(
            isinstance(item, Mapping) and item.get("name") == cluster_name for item in clusters
        ):
            return path
    return paths[0]


def update_file(
    path: Path,
    transform: Callable[[str | None], str],
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    on_wait: Callable[[Path], None] | None = None,
) -> Path:
    """Under kubectl's lock, read ``path`` (None: no file), transform its text, write the result.

    Returns the file really written (a symlink is followed). The text is written
    only when it changed. Refused: a file this process may not write (as kubectl
    refuses it), a file whose owner or group the new file could not keep, and
    anything but a regular file or a character device (see ``writable_target``).
    """
    target = writable_target(path)
    _make_directories(path.parent)
    if target.parent != path.parent:
        _make_directories(target.parent)
    with kubeconfig_lock(path, timeout=lock_timeout, on_wait=on_wait):
        target = writable_target(path)  # again: it may have been swapped meanwhile
        old_text = read_text(target)
        new_text = transform(old_text)
        if new_text != old_text:
            _write(target, new_text)
    return target


def writable_target(path: Path) -> Path:
    """The file a write of ``path`` changes: a symlink's target (the link stays a link).

    Refused before anything reads it: a FIFO or socket (reading one would wait
    for a writer that never comes) and a block device.
    """
    target = resolve_link(path)
    try:
        status = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return target
    except OSError as exc:
        raise _write_error(target, exc) from exc
    refusal = _not_writable_kind(target, status)
    if refusal is not None:
        raise refusal
    return target


def write_document(path: Path, document: Mapping[str, Any]) -> Path:
    """Make ``path`` hold ``document``, locked and atomically; returns the file written.

    Only the parts of the file that differ from ``document`` are rewritten where
    the layout allows (see ``splice_document``); comments elsewhere stay.
    """
    wanted = dict(document)
    return rewrite_document(path, lambda _current: wanted)


def rewrite_document(
    path: Path,
    change: Callable[[dict[str, Any]], Mapping[str, Any]],
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    on_wait: Callable[[Path], None] | None = None,
) -> Path:
    """Under kubectl's lock, read ``path`` again, apply ``change`` to it, and write the result.

    ``change`` gets the file's current document (empty when there is no file),
    so changes others made meanwhile are kept.
    """
    from eks_token.kubeconfig.files import parse_document
    from eks_token.kubeconfig.splice import splice_document

    def transform(text: str | None) -> str:
        current = None if text is None else parse_document(text, path)
        wanted = dict(change(dict(current or {})))
        return splice_document(text, current, wanted).text

    return update_file(path, transform, lock_timeout=lock_timeout, on_wait=on_wait)


def _write(target: Path, text: str) -> None:
    """Replace a regular file (or create one) atomically; write through a character device."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise _write_error(target, exc) from exc
    if old is not None:
        refusal = _not_writable_kind(target, old)
        if refusal is not None:
            raise refusal
        if not _may_write(target):
            # kubectl opens the file for writing and fails the same way.
            raise KubeconfigError(
                f"cannot write {target}: permission denied (the file is read-only for this user)",
                path=str(target),
            )
    data = text.encode("utf-8")
    if old is not None and stat.S_ISCHR(old.st_mode):
        _write_through(target, data)
        return
    from eks_token.core.atomic_file import write_atomically

    def keep_owner(fd: int) -> None:
        if old is not None and hasattr(os, "fchown"):
            _keep_owner(fd, target, old)

    try:
        write_atomically(
            str(target),
            data,
            temp_prefix=f".{target.name}.",
            temp_suffix=".tmp",
            mode=stat.S_IMODE(old.st_mode) if old else NEW_FILE_MODE,
            before_rename=keep_owner,
            sync_directory=True,
        )
    except OSError as exc:
        raise _write_error(target, exc) from exc


def _not_writable_kind(target: Path, status: os.stat_result) -> KubeconfigError | None:
    """Why ``target`` (of ``status``) cannot hold a kubeconfig; None for a regular file, a
    character device (written through) and a directory (reading it says so)."""
    mode = status.st_mode
    if stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISDIR(mode):
        return None
    return KubeconfigError(
        f"{target} is {kind_of_mode(mode)}, not a regular file: a kubeconfig cannot be "
        "written there; name a regular file in --kubeconfig or KUBECONFIG",
        path=str(target),
    )


def _write_through(target: Path, data: bytes) -> None:
    """Write ``data`` into the character device ``target``, as kubectl does (no rename)."""
    flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        # O_NONBLOCK: a FIFO swapped in meanwhile fails at once instead of waiting.
        fd = os.open(target, flags | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _write_error(target, exc) from exc
    try:
        status = os.fstat(fd)
        if not stat.S_ISCHR(status.st_mode):
            raise _not_writable_kind(target, status) or KubeconfigError(
                f"cannot write {target}: it changed while it was being written; try again",
                path=str(target),
            )
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise _write_error(target, exc) from exc
    finally:
        os.close(fd)


def _may_write(target: Path) -> bool:
    if os.access in os.supports_effective_ids:
        return os.access(target, os.W_OK, effective_ids=True)
    return os.access(target, os.W_OK)


def _keep_owner(fd: int, target: Path, old: os.stat_result) -> None:
    """Give the new file the old one's owner and group, or refuse the write."""
    new = os.fstat(fd)
    if (new.st_uid, new.st_gid) == (old.st_uid, old.st_gid):
        return
    try:
        os.fchown(fd, old.st_uid, old.st_gid)
    except OSError as exc:
        raise KubeconfigError(
            f"cannot write {target}: it belongs to uid {old.st_uid} gid {old.st_gid}, and a "
            f"new file could not keep that owner ({exc.strerror or 'not permitted'}); "
            "run as its owner",
            path=str(target),
        ) from exc


def _make_directories(directory: Path) -> None:
    missing: list[Path] = []
    current = directory
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    if current.exists() and not current.is_dir():
        raise KubeconfigError(
            f"cannot write under {directory}: {current} is a file, not a directory",
            path=str(directory),
        )
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=NEW_DIR_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _write_error(folder, exc) from exc


def _write_error(path: Path, exc: OSError) -> KubeconfigError:
    reason = exc.strerror or type(exc).__name__
    return KubeconfigError(f"cannot write {path}: {reason}", path=str(path))
