"""Finding and parsing kubeconfig files the way kubectl does."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.model import ContextView, KubeConfig

__all__ = [
    "decode_text",
    "kind_of_mode",
    "kubeconfig_paths",
    "load_context",
    "load_kubeconfig",
    "parse_document",
    "read_bytes",
    "read_document",
    "read_text",
    "resolve_link",
]

_SECTIONS = ("clusters", "users", "contexts")


def kubeconfig_paths(
    explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> list[Path]:
    """The files kubectl would read: ``explicit``, else ``KUBECONFIG``, else ~/.kube/config."""
    if explicit:
        return [Path(explicit).expanduser()]
    env = os.environ if environ is None else environ
    listed = env.get("KUBECONFIG", "")
    paths: list[Path] = []
    for part in listed.split(os.pathsep):
        # Parts that are empty or only blanks are dropped, as the AWS CLI drops them.
        if part.strip() and Path(part).expanduser() not in paths:
            paths.append(Path(part).expanduser())
    if paths:
        return paths
    home = env.get("HOME") or env.get("USERPROFILE")
    base = Path(home) if home else Path.home()
    return [base / ".kube" / "config"]


def read_document(path: Path) -> dict[str, Any] | None:
    """The parsed file; None when it does not exist; an empty file is an empty document,
    and so is the null device (``KUBECONFIG=/dev/null``, which kubectl reads as empty)."""
    data = read_bytes(path, null_device=True)
    return None if data is None else parse_document(decode_text(data, path), path)


def read_text(path: Path) -> str | None:
    """The file's text as kubectl reads it; None when it does not exist.

    Only a regular file is read, or the null device, which reads as empty (a FIFO, socket,
    other device or directory is refused, as is a symlink loop), and its bytes are decoded as
    kubectl's YAML reader decodes them (:func:`decode_text`).
    """
    data = read_bytes(path, null_device=True)
    return None if data is None else decode_text(data, path)


def read_bytes(path: Path, *, null_device: bool = False) -> bytes | None:
    """The bytes of the regular file ``path``; None when it does not exist (a dangling
    symlink included, as kubectl skips it). Anything else that cannot be read is one
    KubeconfigError naming the file; with ``null_device`` the null device reads as empty."""
    import errno
    import stat

    # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _loop(path) from exc
        kind = _file_kind(path)
        if kind is not None:
            raise _not_a_file(path, kind) from exc
        raise KubeconfigError(f"cannot read {path}: {_reason(exc)}", path=str(path)) from exc
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        if null_device and _is_null_device(status):
            return b""
        if not stat.S_ISREG(mode):
            raise _not_a_file(path, kind_of_mode(mode))
        chunks: list[bytes] = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise KubeconfigError(f"cannot read {path}: {_reason(exc)}", path=str(path)) from exc
    finally:
        os.close(fd)


def resolve_link(path: Path) -> Path:
    """The file the symlink ``path`` points at (``path`` itself when it is no symlink);
    a symlink loop is a KubeconfigError naming ``path``, as reading it would be."""
    import errno

    if not path.is_symlink():
        return path
    try:
        return path.resolve(strict=False)
    except RuntimeError as exc:  # a loop, before Python 3.13
        raise _loop(path) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _loop(path) from exc
        raise KubeconfigError(f"cannot read {path}: {_reason(exc)}", path=str(path)) from exc


def _loop(path: Path) -> KubeconfigError:
    return KubeconfigError(f"{path} is a symbolic link loop", path=str(path))


def decode_text(data: bytes, path: Path | str) -> str:
    """``data`` decoded as kubectl's YAML reader decodes it: UTF-16 (little or big endian)
    or UTF-8 when it starts with that byte order mark, otherwise UTF-8; the mark is dropped.
    UTF-16 without a mark, or bytes that are not UTF-8, are refused (kubectl refuses them)."""
    from eks_token.kubeconfig.yaml_compat import yaml_text

    try:
        text = yaml_text(data)
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if exc.encoding.startswith("utf-8") else "UTF-16"
        raise KubeconfigError(
            f"{path} is not {shown} text (bad bytes at offset {exc.start}); save it as UTF-8",
            path=str(path),
        ) from exc
    if "\x00" in text:
        raise KubeconfigError(
            f"{path} holds NUL characters (UTF-16 or UTF-32 without a byte order mark?); "
            "save it as UTF-8",
            path=str(path),
        )
    return text


def _is_null_device(status: os.stat_result) -> bool:
    import stat

    if not stat.S_ISCHR(status.st_mode):
        return False
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and status.st_rdev == null.st_rdev


def _file_kind(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (None: a regular file or unknown)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else kind_of_mode(mode)


def kind_of_mode(mode: int) -> str:
    """What a file of ``mode`` is, in words, when it is not a regular file."""
    import stat

    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _not_a_file(path: Path, kind: str) -> KubeconfigError:
    if kind == "a directory":
        return KubeconfigError(f"{path} is a directory, not a kubeconfig", path=str(path))
    return KubeconfigError(f"{path} is {kind}, not a regular file", path=str(path))


def parse_document(text: str, path: Path) -> dict[str, Any]:
    """``text`` parsed as kubectl parses it (its first YAML document, go-yaml v2 scalars),
    checked for kubeconfig shape.

    ``clusters``, ``users`` and ``contexts`` must be lists of mappings (or absent);
    anything else is refused, as the AWS CLI refuses it.
    """
    import yaml

    from eks_token.kubeconfig.yaml_compat import load_first_document

    try:
        document = load_first_document(text)
    except (yaml.YAMLError, ValueError) as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}"
        raise KubeconfigError(
            f"{path} is not valid YAML{where}; fix or remove it", path=str(path)
        ) from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise KubeconfigError(
            f"{path} is not a kubeconfig (expected a mapping with clusters, users, contexts)",
            path=str(path),
        )
    for section in _SECTIONS:
        items = document.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise KubeconfigError(
                f"{path} is not a valid kubeconfig: {section} must be a list", path=str(path)
            )
        for item in items:
            if not isinstance(item, dict):
                raise KubeconfigError(
                    f"{path} is not a valid kubeconfig: {section} holds {_kind(item)} "
                    "where a mapping belongs; fix or remove it",
                    path=str(path),
                )
    return document


def load_kubeconfig(paths: Sequence[Path]) -> KubeConfig:
    """Parse and merge ``paths``; missing files are skipped, as kubectl skips them."""
    documents: list[tuple[Path, Mapping[str, Any]]] = []
    for path in paths:
        document = read_document(path)
        if document is not None:
            documents.append((path, document))
    return KubeConfig(documents, searched=paths)


def load_context(
    context: str | None = None,
    kubeconfig: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ContextView:
    """The named (or current) context of the kubeconfig kubectl would use."""
    paths = kubeconfig_paths(kubeconfig, environ)
    if kubeconfig:
        document = read_document(paths[0])
        if document is None:
            raise KubeconfigError(f"kubeconfig {paths[0]} does not exist", path=str(paths[0]))
        return KubeConfig([(paths[0], document)]).context(context)
    return load_kubeconfig(paths).context(context)


def _kind(value: object) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    return f"the value {value!r}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
