"""YAML as kubectl reads it, and a dumper whose output every YAML reader reads the same way.

kubectl parses kubeconfig files with go-yaml v2 (through sigs.k8s.io/yaml),
which is neither PyYAML's YAML 1.1 nor YAML 1.2: ``12:30`` and ``2026-01-01``
are strings (PyYAML makes them 750 and a date), ``0o17`` and ``1e3`` are
numbers (strings to PyYAML), ``y``/``n`` are booleans, and a plain scalar that
starts with a digit or a sign is read as a number with every underscore
removed first (``1_``, ``-_1``, ``1_e3``: 1, -1, 1000.0). ``go_yaml_scalar``
is that reading, and ``KubectlLoader`` resolves plain scalars through it.
``SafeDumper`` quotes every string that YAML 1.1, YAML 1.2 or go-yaml could read
as anything but a string, and writes no anchors.
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
    "go_yaml_scalar",
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
_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"

# go-yaml v2's table of plain scalars with a fixed meaning.
_GO_CONSTANTS: dict[str, tuple[str, Any]] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), (_NULL_TAG, None)),
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"),
        (_BOOL_TAG, True),
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"),
        (_BOOL_TAG, False),
    ),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), (_FLOAT_TAG, math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (_FLOAT_TAG, math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), (_FLOAT_TAG, -math.inf)),
    "<<": ("tag:yaml.org,2002:merge", "<<"),
}
# Go's strconv.ParseInt/ParseUint(s, 0, 64) on text without underscores.
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_UINT = re.compile(r"(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_BASE2 = re.compile(r"[-+]?[01]+")
# go-yaml v2's yamlStyleFloat, and Go's ParseFloat of a scalar starting with a dot.
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_GO_DOT_FLOAT = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?")
_INT64 = (-(1 << 63), (1 << 63) - 1)


def go_yaml_scalar(text: str) -> tuple[str, Any]:
    """(tag, value) go-yaml v2 gives the plain scalar ``text`` when kubectl reads it.

    Timestamps stay strings (the target is untyped). A scalar starting with a sign or
    a digit loses every underscore, then is tried as a Go integer (int64, then
    uint64), a float, and ``0b``/``-0b`` binary; one starting with a dot is tried
    as a Go float as written. A float out of range stays a string.
    """
    constant = _GO_CONSTANTS.get(text)
    if constant is not None:
        return constant
    first = text[:1]
    if first == ".":
        if _GO_DOT_FLOAT.fullmatch(text):
            number = float(text.replace("_", ""))
            if math.isfinite(number):
                return _FLOAT_TAG, number
    elif first and first in "+-0123456789":
        plain = text.replace("_", "")
        if _GO_INT.fullmatch(plain):
            value = _go_int(plain)
            if _INT64[0] <= value <= _INT64[1]:
                return _INT_TAG, value
        if _GO_UINT.fullmatch(plain):
            value = _go_int(plain)
            if value < 1 << 64:
                return _INT_TAG, value
        if _GO_FLOAT.fullmatch(plain):
            number = float(plain)
            if math.isfinite(number):
                return _FLOAT_TAG, number
        for prefix, sign, digits in (("0b", 1, plain[2:]), ("-0b", -1, "-" + plain[3:])):
            if plain.startswith(prefix):
                if _GO_BASE2.fullmatch(digits):
                    value = int(digits, 2)
                    if _INT64[0] <= value <= _INT64[1]:
                        return _INT_TAG, sign * value
                break
    return _STR, text


def _go_int(plain: str) -> int:
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    if digits[1:2] in ("x", "X", "o", "O", "b", "B"):
        return sign * int(digits, 0)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits, 8)
    return sign * int(digits)


def _resolve_as_kubectl(
    resolver: Any, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]
) -> str:
    if kind is yaml.ScalarNode and implicit[0]:
        return go_yaml_scalar(value)[0]
    base: Any = yaml.resolver.BaseResolver.resolve
    return str(base(resolver, kind, value, implicit))


class KubectlLoader(yaml.SafeLoader):
    """A safe loader whose plain scalars mean what they mean to kubectl (go-yaml v2)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        return _resolve_as_kubectl(self, kind, value, implicit)


def _go_or(loader: Any, node: yaml.Node, tag: str, fallback: Any) -> Any:
    """A plain scalar's value as go-yaml reads it; an explicitly tagged one by ``fallback``."""
    text = str(loader.construct_scalar(node))
    found, value = go_yaml_scalar(text)
    return value if found == tag else fallback(text)


def _construct_int(loader: Any, node: yaml.Node) -> int:
    def explicit(text: str) -> int:
        text = text.replace("_", "")
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        lowered = digits.lower()
        if lowered.startswith(("0x", "0o", "0b")):
            return sign * int(digits, 0)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)
        return sign * int(digits)

    return int(_go_or(loader, node, _INT_TAG, explicit))


def _construct_float(loader: Any, node: yaml.Node) -> float:
    def explicit(text: str) -> float:
        lowered = text.lower()
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        return float(lowered.replace("_", ""))

    return float(_go_or(loader, node, _FLOAT_TAG, explicit))


def _construct_bool(loader: Any, node: yaml.Node) -> bool:
    return str(loader.construct_scalar(node)).lower() in _TRUE


def _construct_str(loader: Any, node: yaml.Node) -> str:
    # Timestamps stay strings, as go-yaml v2 keeps them when the target is untyped.
    return str(loader.construct_scalar(node))


def _configure(loader: Any) -> None:
    loader.yaml_implicit_resolvers = {}
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
    loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
    loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)


_configure(KubectlLoader)

#: The same loader on libyaml's parser when PyYAML has it (about ten times faster).
FastLoader: Any = KubectlLoader
if getattr(yaml, "__with_libyaml__", False):

    class _CKubectlLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined, unused-ignore]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            return _resolve_as_kubectl(self, kind, value, implicit)

    _configure(_CKubectlLoader)
    FastLoader = _CKubectlLoader


class SafeDumper(yaml.SafeDumper):
    """Block style, no anchors, and every string that might read as a non-string quoted."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A string go-yaml reads as another type (``1_e3``, ``-_1``) is quoted as well.
        base: Any = super().resolve
        tag = base(kind, value, implicit)
        if tag == _STR and kind is yaml.ScalarNode and implicit[0]:
            return go_yaml_scalar(value)[0]
        return tag


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


def dump_yaml(data: Any, *, flow: bool = False) -> str:
    """``data`` as block YAML (with ``flow``, flow YAML on one line) that YAML 1.1,
    YAML 1.2 and kubectl all read back unchanged."""
    return yaml.dump(
        data,
        Dumper=SafeDumper,
        sort_keys=False,
        default_flow_style=flow,
        allow_unicode=True,
        width=math.inf,
    )
