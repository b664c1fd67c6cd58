"""Writing kubeconfig files atomically, and choosing which file to write."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.files import kubeconfig_paths, read_document

__all__ = ["dump_document", "target_path", "write_document"]

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700


def dump_document(document: Mapping[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(dict(document), sort_keys=False, default_flow_style=False)


def target_path(
    cluster_name: str,
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """``explicit``, else the first ``KUBECONFIG`` file that has the cluster, else the first."""
    paths = kubeconfig_paths(explicit, environ)
    if explicit or len(paths) == 1:
        return paths[0]
    for path in paths:
        document = read_document(path)
        clusters = (document or {}).get("clusters")
        if isinstance(clusters, list) and any(
            isinstance(item, Mapping) and item.get("name") == cluster_name for item in clusters
        ):
            return path
    return paths[0]


def write_document(path: Path, document: Mapping[str, Any]) -> Path:
    """Write ``document`` to ``path`` atomically; returns the file really written.

    A temporary file in the same directory is fsynced and renamed over the
    target, so readers see the old or the new file, never half of one. An
    existing file keeps its mode; a new one gets 0600 and missing directories 0700.
    A symlink is followed, so the file it points to is updated.
    """
    target = path.resolve() if path.is_symlink() else path
    text = dump_document(document)
    _make_directories(target.parent)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    except OSError as exc:
        raise _write_error(target, exc) from exc
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _write_error(target, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _write_error(target, exc) from exc
    _sync_directory(target.parent)
    return target


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


def _sync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(path: Path, exc: OSError) -> KubeconfigError:
    reason = exc.strerror or type(exc).__name__
    return KubeconfigError(f"cannot write {path}: {reason}", path=str(path))
