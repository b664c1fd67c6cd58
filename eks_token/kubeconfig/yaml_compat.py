"""YAML as kubectl reads it, and a dumper whose output every YAML reader reads the same way.

kubectl parses kubeconfig files with go-yaml v2 (through sigs.k8s.io/yaml),
which is neither PyYAML's YAML 1.1 nor YAML 1.2: ``12:30`` and ``2026-01-01``
are strings (PyYAML makes them 750 and a date), ``0o17`` and ``1e3`` are
numbers (strings to PyYAML), ``y``/``n`` are booleans. ``KubectlLoader``
resolves plain scalars as go-yaml v2 does. ``SafeDumper`` quotes every string
that YAML 1.1, YAML 1.2 or go-yaml could read as anything but a string, and
writes no anchors.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

__all__ = [
    "FastLoader",
    "KubectlLoader",
    "SafeDumper",
    "dump_yaml",
    "load_first_document",
    "load_yaml",
    "yaml_text",
]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
    r"|on|On|ON|off|Off|OFF)$"
)
# Go's strconv.ParseInt(s, 0, 64): 0x, 0o, 0b, a leading 0 for octal, underscores between digits.
_INT = re.compile(
    r"^[-+]?(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+"
    r"|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$"
)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_TRUE = frozenset({"y", "yes", "on", "true"})
_STR = "tag:yaml.org,2002:str"


class KubectlLoader(yaml.SafeLoader):
    """A safe loader whose plain scalars mean what they mean to kubectl (go-yaml v2)."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 - PyYAML's class-level table, filled below


def _construct_int(loader: Any, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    lowered = digits.lower()
    if lowered.startswith(("0x", "0o", "0b")):
        return sign * int(digits, 0)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits, 8)
    return sign * int(digits)


def _construct_float(loader: Any, node: yaml.Node) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    return float(text)


def _construct_bool(loader: Any, node: yaml.Node) -> bool:
    return str(loader.construct_scalar(node)).lower() in _TRUE


def _construct_str(loader: Any, node: yaml.Node) -> str:
    # Timestamps stay strings, as go-yaml v2 keeps them when the target is untyped.
    return str(loader.construct_scalar(node))


def _configure(loader: Any) -> None:
    for tag, pattern, first in (
        ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", _BOOL, list("yYnNtTfFoO")),
        ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
        ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
        ("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"]),
    ):
        loader.add_implicit_resolver(tag, pattern, first)
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
    loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
    loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)


_configure(KubectlLoader)

#: The same loader on libyaml's parser when PyYAML has it (about ten times faster).
FastLoader: Any = KubectlLoader
if getattr(yaml, "__with_libyaml__", False):

    class _CKubectlLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined, unused-ignore]
        yaml_implicit_resolvers = {}  # noqa: RUF012 - PyYAML's class-level table

    _configure(_CKubectlLoader)
    FastLoader = _CKubectlLoader


class SafeDumper(yaml.SafeDumper):
    """Block style, no anchors, and every string that might read as a non-string quoted."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# PyYAML's own YAML 1.1 resolvers (sexagesimals, timestamps, yes/on, ...) stay; go-yaml's
# and YAML 1.2's forms are added so such strings are quoted too.
SafeDumper.yaml_implicit_resolvers = {
    key: list(value) for key, value in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, list("yYnNtTfFoO")),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
):
    SafeDumper.add_implicit_resolver(_tag, _pattern, _first)


def load_yaml(text: str) -> Any:
    """One YAML document, as kubectl reads it."""
    return yaml.load(text, Loader=FastLoader)  # noqa: S506 - a safe loader


def yaml_text(data: bytes) -> str:
    """``data`` decoded as kubectl's YAML reader (go-yaml) decodes it: UTF-16 little or big
    endian, or UTF-8, as its byte order mark says (the mark dropped), else UTF-8.
    UnicodeDecodeError when the bytes are not in that encoding."""
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")


def load_first_document(text: str) -> Any:
    """The first YAML document of ``text`` (None when there is none), as kubectl reads a
    kubeconfig: later documents are neither read nor checked."""
    loader = FastLoader(text)
    try:
        if not loader.check_node():
            return None
        return loader.get_data()
    finally:
        loader.dispose()


def dump_yaml(data: Any) -> str:
    """``data`` as block YAML that YAML 1.1, YAML 1.2 and kubectl all read back unchanged."""
    return yaml.dump(
        data,
        Dumper=SafeDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=math.inf,
    )
