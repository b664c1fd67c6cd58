"""Merging entries into a kubeconfig's text: only our entries' bytes change.

The file is parsed into events, which carry their positions. A named entry is
replaced where it stands; a new one is appended after the last item of its
``clusters``/``users``/``contexts`` sequence (the key is added if absent);
``current-context`` is set in place. Every other byte, comments and layout
included, stays as it was. The result is parsed again and must equal the
merged document; when it does not, or the file's layout is one this does not
handle (flow style, anchors on the edited parts...), the whole file is
rewritten with a dumper that quotes every ambiguous string.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.entries import KubeconfigEntries
from eks_token.kubeconfig.merge import merge_entries

__all__ = ["SplicedText", "splice_entries"]

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


@dataclass
class _Node:
    kind: str  # "map", "seq", "scalar" or "alias"
    start: int
    end: int  # just after the node's last character
    flow: bool = False
    plain: bool = False
    value: str = ""
    props: bool = False
    children: list[_Node] = field(default_factory=list)


def splice_entries(
    text: str | None, document: Mapping[str, Any] | None, entries: KubeconfigEntries, source: str
) -> SplicedText:
    """Merge ``entries`` into ``text`` (whose parsed form is ``document``; None: no file)."""
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    merged, changes = merge_entries(document or {}, entries, source=source)
    if text is None:
        return SplicedText(dump_yaml(merged), merged, changes)
    if not document:
        # A file of only comments or blank lines: keep them, add the document after them.
        spliced = _after(text, dump_yaml(merged), merged)
    else:
        spliced = _try_splice(text, document, merged, entries)
    if spliced is not None:
        return SplicedText(spliced, merged, changes)
    return SplicedText(
        dump_yaml(merged), merged, changes, rewritten=True, comments_lost=_has_comments(text)
    )


def _after(text: str, addition: str, merged: dict[str, Any]) -> str | None:
    import yaml

    from eks_token.kubeconfig.yaml_compat import load_yaml

    candidate = text + ("" if not text or text.endswith("\n") else "\n") + addition
    try:
        return candidate if load_yaml(candidate) == merged else None
    except yaml.YAMLError:
        return None


def _try_splice(
    text: str, document: Mapping[str, Any], merged: dict[str, Any], entries: KubeconfigEntries
) -> str | None:
    import yaml

    from eks_token.kubeconfig.yaml_compat import load_yaml

    try:
        root = _parse(text)
        if root is None or root.kind != "map" or root.flow or root.props:
            return None
        edits = _edits(text, root, document, merged, entries)
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
    text: str,
    root: _Node,
    document: Mapping[str, Any],
    merged: dict[str, Any],
    entries: KubeconfigEntries,
) -> list[tuple[int, int, int, int, str]] | None:
    """(position, order, start, end, replacement) for each change; None if not spliceable."""
    nl = "\r\n" if "\r\n" in text else "\n"
    pairs = _pairs(root)
    if pairs is None:
        return None
    root_col = _column(text, root.start)
    root_end = _line_end(text, root.end)
    edits: list[tuple[int, int, int, int, str]] = []
    order = 0

    def add(start: int, end: int, replacement: str, *, root: bool = False) -> None:
        # At one position, items appended to a sequence go before keys appended to the root.
        nonlocal order
        order += 1
        edits.append((start, order + (1 << 20 if root else 0), start, end, replacement))

    for section, entry in zip(
        _SECTIONS, (entries.cluster, entries.user, entries.context), strict=True
    ):
        new_items = merged[section]
        name = entry["name"]
        index = next(i for i, item in enumerate(new_items) if item.get("name") == name)
        item = new_items[index]
        old_items = document.get(section)
        found = pairs.get(section)
        if found is None:
            block = f"{section}:{nl}- {_render(item, 2, nl)}"
            add(root_end, root_end, nl + _indent(block, root_col, nl), root=True)
            continue
        key, value = found
        key_col = _column(text, key.start)
        if _is_empty(value):
            rendered = _render(item, key_col + 2, nl)
            add(key.start, value.end, f"{section}:{nl}{' ' * key_col}- {rendered}")
            continue
        if value.kind != "seq" or value.flow or value.props or not isinstance(old_items, list):
            return None
        if len(value.children) != len(old_items):
            return None
        if index < len(old_items):
            old = value.children[index]
            add(old.start, old.end, _render(item, _column(text, old.start), nl))
        else:
            dash_col = _column(text, value.start)
            at = _line_end(text, value.children[-1].end)
            add(at, at, f"{nl}{' ' * dash_col}- {_render(item, dash_col + 2, nl)}")
    current = _scalar_text(entries.context_name)
    found = pairs.get("current-context")
    if found is None:
        add(root_end, root_end, nl + " " * root_col + f"current-context: {current}", root=True)
    else:
        key, value = found
        if value.kind != "scalar" or value.props:
            return None
        if value.plain and value.value == "":
            # An empty value sits just after the colon.
            add(value.start, value.start, f" {current}")
        else:
            add(value.start, value.end, current)
    for key_name in ("apiVersion", "kind"):
        if key_name not in document:
            line = f"{key_name}: {_scalar_text(str(merged[key_name]))}"
            add(root_end, root_end, nl + " " * root_col + line, root=True)
    return edits


def _pairs(root: _Node) -> dict[str, tuple[_Node, _Node]] | None:
    """The root's keys we may edit, with their values; None when one appears twice."""
    pairs: dict[str, tuple[_Node, _Node]] = {}
    children = root.children
    for key, value in zip(children[::2], children[1::2], strict=True):
        if key.kind == "scalar" and key.value in (*_SECTIONS, "current-context"):
            if key.props or key.value in pairs:
                return None
            pairs[key.value] = (key, value)
    return pairs


def _is_empty(node: _Node) -> bool:
    if node.kind == "scalar" and node.plain and not node.props:
        return node.value in _NULLS
    return node.kind == "seq" and node.flow and not node.children and not node.props


def _render(item: Any, column: int, nl: str) -> str:
    """``item`` as block YAML whose lines after the first are indented to ``column``."""
    from eks_token.kubeconfig.yaml_compat import dump_yaml

    lines = dump_yaml(item).rstrip("\n").split("\n")
    return (nl + " " * column).join(lines)


def _indent(block: str, column: int, nl: str) -> str:
    return nl.join(" " * column + line for line in block.split(nl))


def _scalar_text(value: str) -> str:
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


def _parse(text: str) -> _Node | None:
    """The single document's root node with positions; None for several documents."""
    import yaml

    from eks_token.kubeconfig.yaml_compat import FastLoader

    events: Iterator[Any] = iter(yaml.parse(text, Loader=FastLoader))
    root: _Node | None = None
    documents = 0
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                return None
            root = _build(text, next(events), events)
    return root


def _start(event: Any) -> int:
    return int(event.start_mark.index)


def _end(event: Any) -> int:
    return int(event.end_mark.index)


def _build(text: str, event: Any, events: Iterator[Any]) -> _Node:
    import yaml

    start = _start(event)
    if isinstance(event, yaml.AliasEvent):
        return _Node("alias", start, _end(event), props=True)
    if isinstance(event, yaml.ScalarEvent):
        end = _end(event)
        if event.style in ("|", ">"):
            end = start + len(text[start:end].rstrip())
        props = bool(event.anchor or event.tag)
        plain = not event.style  # None from PyYAML's parser, "" from libyaml's
        return _Node("scalar", start, end, plain=plain, value=event.value, props=props)
    kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
    node = _Node(kind, start, start, flow=bool(event.flow_style))
    node.props = bool(event.anchor or event.tag)
    for child in events:
        if isinstance(child, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            if node.flow:
                node.end = _end(child)
            elif node.children:
                node.end = node.children[-1].end
            return node
        node.children.append(_build(text, child, events))
    raise ValueError("unterminated collection")


def _has_comments(text: str) -> bool:
    """Whether ``text`` holds a comment anywhere between its tokens."""
    import yaml

    from eks_token.kubeconfig.yaml_compat import KubectlLoader

    position = 0
    try:
        for token in yaml.scan(text, Loader=KubectlLoader):
            if "#" in text[position : _start(token)]:
                return True
            position = max(position, _end(token))
    except yaml.YAMLError:
        return "#" in text
    return "#" in text[position:]
