"""CA certificates written to files, for HTTP libraries that only take a path."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import tempfile
import threading

__all__ = ["ca_bundle_path"]

_paths: dict[str, str] = {}
_lock = threading.Lock()


def ca_bundle_path(pem: bytes) -> str:
    """A file holding ``pem``: one per distinct CA for the life of the process."""
    digest = hashlib.sha256(pem).hexdigest()
    with _lock:
        path = _paths.get(digest)
        if path is not None and os.path.exists(path):
            return path
        fd, path = tempfile.mkstemp(prefix="eks-token-ca-", suffix=".pem")
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        _paths[digest] = path
        return path


@atexit.register
def _remove_files() -> None:
    with _lock:
        for path in _paths.values():
            with contextlib.suppress(OSError):
                os.remove(path)
        _paths.clear()
