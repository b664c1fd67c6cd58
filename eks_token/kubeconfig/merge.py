"""Merging entries into one kubeconfig document: replace by name in place, append otherwise."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.entries import KubeconfigEntries
from eks_token.kubeconfig.model import EXEC_EXTENSION_NAME

__all__ = ["merge_entries", "new_document"]

_SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))


def new_document() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [],
        "users": [],
        "contexts": [],
    }


def merge_entries(
    document: Mapping[str, Any], entries: KubeconfigEntries, *, source: str = "the kubeconfig"
) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``document`` with ``entries`` merged and current-context set, and what changed.

    Everything not named by ``entries`` is kept as it was.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(document)) if document else new_document()
    merged.setdefault("apiVersion", "v1")
    merged.setdefault("kind", "Config")
    changes: list[str] = []
    for (section, key), entry in zip(
        _SECTIONS, (entries.cluster, entries.user, entries.context), strict=True
    ):
        items = merged.get(section)
        if items is None:
            items = merged[section] = []
        if not isinstance(items, list):
            raise KubeconfigError(f"{source}: {section} must be a list", path=source)
        name = entry["name"]
        index = next(
            (
                i
                for i, item in enumerate(items)
                if isinstance(item, Mapping) and item.get("name") == name
            ),
            None,
        )
        new_entry = copy.deepcopy(entry)
        if index is None:
            items.append(new_entry)
            changes.append(f"added {key} {name}")
        else:
            if key == "cluster":
                _keep_other_extensions(items[index], new_entry)
            if items[index] == new_entry:
                changes.append(f"kept {key} {name} (unchanged)")
            else:
                changes.append(f"replaced {key} {name}")
            items[index] = new_entry
    if merged.get("current-context") != entries.context_name:
        changes.append(f"set current-context to {entries.context_name}")
    merged["current-context"] = entries.context_name
    return merged, changes


def _keep_other_extensions(old: Any, new: dict[str, Any]) -> None:
    """Extensions someone else put on the cluster survive; ours is replaced (or dropped)."""
    old_body = old.get("cluster") if isinstance(old, Mapping) else None
    old_extensions = old_body.get("extensions") if isinstance(old_body, Mapping) else None
    if not isinstance(old_extensions, list):
        return
    kept = [
        ext
        for ext in old_extensions
        if not (isinstance(ext, Mapping) and ext.get("name") == EXEC_EXTENSION_NAME)
    ]
    if not kept:
        return
    body = new["cluster"]
    body["extensions"] = kept + list(body.get("extensions", []))
