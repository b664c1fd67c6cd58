"""A YAML document as a tree of nodes that know their place in the text, for edits that
change only the bytes they mean to (:mod:`eks_token.kubeconfig.splice`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["YamlNode", "has_comments", "parse_nodes"]


@dataclass
class YamlNode:
    """A node of a YAML document and where it stands in the text (``start``, ``end``:
    character offsets); ``props``: it has an anchor or a tag."""

    kind: str  # "map", "seq", "scalar" or "alias"
    start: int
    end: int  # just after the node's last character
    flow: bool = False
    plain: bool = False
    value: str = ""
    props: bool = False
    children: list[YamlNode] = field(default_factory=list)


def parse_nodes(text: str) -> YamlNode | None:
    """The single document's root node with positions; None for several documents."""
    import yaml

    from eks_token.kubeconfig.yaml_compat import FastLoader

    events: Iterator[Any] = iter(yaml.parse(text, Loader=FastLoader))
    root: YamlNode | None = None
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


def _build(text: str, event: Any, events: Iterator[Any]) -> YamlNode:
    import yaml

    start = _start(event)
    if isinstance(event, yaml.AliasEvent):
        return YamlNode("alias", start, _end(event), props=True)
    if isinstance(event, yaml.ScalarEvent):
        end = _end(event)
        if event.style in ("|", ">"):
            end = start + len(text[start:end].rstrip())
        props = bool(event.anchor or event.tag)
        plain = not event.style  # None from PyYAML's parser, "" from libyaml's
        return YamlNode("scalar", start, end, plain=plain, value=event.value, props=props)
    kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
    node = YamlNode(kind, start, start, flow=bool(event.flow_style))
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


def has_comments(text: str) -> bool:
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
