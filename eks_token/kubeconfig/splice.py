"""Merging entries into a kubeconfig's text: only our entries' bytes change.

The file is parsed into events, which carry their positions. A named entry is
replaced where it stands; a new one is appended after the last item of its
``clusters``/``users``/``contexts`` sequence (the key is added if absent);
``current-context`` is set in place. Block and flow collections alike
(``clusters: [{name: a, ...}]``, a root ``{...}``): what goes into a flow
collection is written in flow style. Every other byte, comments and layout
included, stays as it was. The result is parsed again (as kubectl reads it)
and must equal the merged document; when it does not, or the file's layout is
one this does not handle (anchors or tags on the edited parts, several
documents...), the whole file is rewritten with a dumper that quotes every
ambiguous string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.entries import KubeconfigEntries
from eks_token.kubeconfig.merge import merge_entries
from eks_token.kubeconfig.yaml_nodes import YamlNode, has_comments, parse_nodes

__all__ = ["SplicedText", "splice_document", "splice_entries"]

_SECTIONS = ("clusters", "users", "contexts")
_NULLS = ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True)
class SplicedText:
    """The new text, the document it holds, what changed, and whether it was rewritten whole."""

    text: str
    document: dict[str, Any]
    changes: list[str]
    rewritten: bool = False
    comments_lost: bool = False


def splice_entries(
    text: str | None, document: Mapping[str, Any] | None, entries: KubeconfigEntries, source: str
) -> SplicedText:
    """Merge ``entries`` into ``text`` (whose parsed form is ``document``; None: no file)."""
    merged, changes = merge_entries(document or {}, entries, source=source)
    return splice_document(text, document, merged, changes)


def splice_document(
    text: str | None,
    document: Mapping[str, Any] | None,
    changed: dict[str, Any],
    changes: list[str] | None = None,
) -> SplicedText:
    """``text`` (parsed: ``document``) edited to hold ``changed`` instead, where it differs.

    Changed or added items of ``clusters``, ``users`` and ``contexts``, a changed
    ``current-context`` and added top-level scalars are edited in place; any
    other difference, or a layout this cannot edit, rewrites the whole file.
    """
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    changes = list(changes or [])
    if text is None:
        return SplicedText(dump_yaml(changed), changed, changes)
    if not document:
        # A file of only comments or blank lines: keep them, add the document after them.
        spliced = _after(text, dump_yaml(changed), changed)
    else:
        spliced = _try_splice(text, document, changed)
    if spliced is not None:
        return SplicedText(spliced, changed, changes)
    return SplicedText(
        dump_yaml(changed), changed, changes, rewritten=True, comments_lost=has_comments(text)
    )


def _after(text: str, addition: str, merged: dict[str, Any]) -> str | None:
    import yaml

    from eks_token.kubeconfig.yaml_compat import load_yaml

    candidate = text + ("" if not text or text.endswith("\n") else "\n") + addition
    try:
        return candidate if load_yaml(candidate) == merged else None
    except yaml.YAMLError:
        return None


def _try_splice(text: str, document: Mapping[str, Any], merged: dict[str, Any]) -> str | None:
    import yaml

    from eks_token.kubeconfig.yaml_compat import load_yaml

    try:
        root = parse_nodes(text)
        if root is None or root.kind != "map" or root.props:
            return None
        edits = _edits(text, root, document, merged)
        if edits is None:
            return None
        result = text
        for _, _, start, end, replacement in sorted(edits, reverse=True):
            result = result[:start] + replacement + result[end:]
        if load_yaml(result) != merged:
            return None
    except (KubeconfigError, ValueError, LookupError, yaml.YAMLError):
        # Not a layout edited in place, or the edit would not read back: rewrite instead.
        return None
    return result


def _edits(
    text: str, root: YamlNode, document: Mapping[str, Any], merged: dict[str, Any]
) -> list[tuple[int, int, int, int, str]] | None:
    """(position, order, start, end, replacement) for each change; None if not spliceable."""
    nl = "\r\n" if "\r\n" in text else "\n"
    pairs = _pairs(root)
    if pairs is None:
        return None
    flow_root = root.flow
    root_col = _column(text, root.start)
    # New root keys: after the last one in a flow mapping, on a line of their own in a block.
    if flow_root and not root.children:
        return None
    root_end = root.children[-1].end if flow_root else _line_end(text, root.end)
    edits: list[tuple[int, int, int, int, str]] = []
    order = 0

    def add(start: int, end: int, replacement: str, *, root: bool = False) -> None:
        # At one position, items appended to a sequence go before keys appended to the root.
        nonlocal order
        order += 1
        edits.append((start, order + (1 << 20 if root else 0), start, end, replacement))

    def items_text(items: list[Any], column: int) -> str:
        return "".join(f"{nl}{' ' * column}- {_render(item, column + 2, nl)}" for item in items)

    def add_root_key(key: str, value: Any) -> None:
        if flow_root:
            add(root_end, root_end, ", " + _flow({key: value})[1:-1], root=True)
        else:
            line = _render({key: value}, root_col, nl)
            add(root_end, root_end, nl + " " * root_col + line, root=True)

    for key in document:
        if key not in merged:
            return None
    for key, new in merged.items():
        old = document.get(key)
        if key in document and old == new:
            continue
        if key in _SECTIONS:
            old_items = [] if old is None else old
            if not isinstance(new, list) or not isinstance(old_items, list):
                return None
            if len(new) < len(old_items):
                return None
            found = pairs.get(key)
            if found is None:
                add_root_key(key, new)
                continue
            name, value = found
            if _is_empty(value):
                if flow_root:
                    gap = " " if text[value.start - 1 : value.start] == ":" else ""
                    add(value.start, value.end, gap + _flow_list(new))
                else:
                    column = _column(text, name.start)
                    add(name.start, value.end, f"{key}:{items_text(new, column)}")
                continue
            if value.kind != "seq" or value.props:
                return None
            if len(value.children) != len(old_items):
                return None
            for index, (was, now) in enumerate(zip(old_items, new, strict=False)):
                if was != now:
                    child = value.children[index]
                    column = _column(text, child.start)
                    replacement = _flow(now) if value.flow else _render(now, column, nl)
                    add(child.start, child.end, replacement)
            added = new[len(old_items) :]
            if added and value.flow:
                at = value.children[-1].end
                add(at, at, "".join(f", {_flow(item)}" for item in added))
            elif added:
                at = _line_end(text, value.children[-1].end)
                add(at, at, items_text(added, _column(text, value.start)))
        elif key == "current-context" and key in pairs:
            name, value = pairs[key]
            if value.kind != "scalar" or value.props:
                return None
            if value.plain and value.value == "":
                # An empty value sits just after the colon.
                add(value.start, value.start, f" {_scalar_text(new, flow=flow_root)}")
            else:
                add(value.start, value.end, _scalar_text(new, flow=flow_root))
        elif key not in document:
            add_root_key(key, new)
        else:
            return None
    return edits


def _pairs(root: YamlNode) -> dict[str, tuple[YamlNode, YamlNode]] | None:
    """The root's keys we may edit, with their values; None when one appears twice."""
    pairs: dict[str, tuple[YamlNode, YamlNode]] = {}
    children = root.children
    for key, value in zip(children[::2], children[1::2], strict=True):
        if key.kind == "scalar" and key.value in (*_SECTIONS, "current-context"):
            if key.props or key.value in pairs:
                return None
            pairs[key.value] = (key, value)
    return pairs


def _is_empty(node: YamlNode) -> bool:
    if node.kind == "scalar" and node.plain and not node.props:
        return node.value in _NULLS
    return node.kind == "seq" and node.flow and not node.children and not node.props


def _render(item: Any, column: int, nl: str) -> str:
    """``item`` as block YAML whose lines after the first are indented to ``column``."""
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    lines = dump_yaml(item).rstrip("\n").split("\n")
    return (nl + " " * column).join(lines)


def _flow(item: Any) -> str:
    """``item`` as flow YAML on one line, to go inside a flow collection."""
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    rendered = dump_yaml(item, flow=True).rstrip("\n")
    if "\n" in rendered:
        raise ValueError("flow YAML over several lines")
    return rendered


def _flow_list(items: list[Any]) -> str:
    return "[" + ", ".join(_flow(item) for item in items) + "]"


def _scalar_text(value: Any, *, flow: bool = False) -> str:
    """The string ``value`` as one scalar, quoted where needed (more often inside ``flow``)."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    if flow:
        rendered = _flow([value])
        if not (rendered.startswith("[") and rendered.endswith("]")):
            raise ValueError("not a single scalar")
        return rendered[1:-1]
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    rendered = dump_yaml({"k": value}).rstrip("\n")
    if "\n" in rendered:
        raise ValueError("a multi-line scalar")
    return rendered[len("k: ") :]


def _column(text: str, index: int) -> int:
    return index - (text.rfind("\n", 0, index) + 1)


def _line_end(text: str, index: int) -> int:
    """The end of the line holding ``index`` (before its line break), after any comment."""
    end = text.find("\n", index)
    if end == -1:
        return len(text)
    return end - 1 if end > 0 and text[end - 1] == "\r" else end
