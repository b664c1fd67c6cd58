"""Finding and parsing kubeconfig files the way kubectl does."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.model import ContextView, KubeConfig

__all__ = [
    "kubeconfig_paths",
    "load_context",
    "load_kubeconfig",
    "parse_document",
    "read_document",
    "read_text",
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
    """The parsed file; None when it does not exist; an empty file is an empty document."""
    text = read_text(path)
    return None if text is None else parse_document(text, path)


def read_text(path: Path) -> str | None:
    """The file's text; None when it does not exist."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError as exc:
        raise KubeconfigError(f"{path} is a directory, not a kubeconfig", path=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise KubeconfigError(f"cannot read {path}: {_reason(exc)}", path=str(path)) from exc


def parse_document(text: str, path: Path) -> dict[str, Any]:
    """``text`` parsed as kubectl parses it (go-yaml v2 scalars), checked for kubeconfig shape.

    ``clusters``, ``users`` and ``contexts`` must be lists of mappings (or absent);
    anything else is refused, as the AWS CLI refuses it.
    """
    import yaml

    from eks_token.kubeconfig.yaml_compat import load_yaml

    try:
        document = load_yaml(text)
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
    if kubeconfig and not paths[0].exists():
        raise KubeconfigError(f"kubeconfig {paths[0]} does not exist", path=str(paths[0]))
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
