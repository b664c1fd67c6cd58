"""A small strict JSON reader for the start-up path.

``json`` pulls in ``re`` and ``enum``: several milliseconds on every kubectl
command, for reading the few hundred bytes of ``KUBERNETES_EXEC_INFO``. This
reader gives the same value as ``json.loads`` for the documents it accepts and
raises :class:`ValueError` for the rest, including valid JSON it leaves to
``json`` (``NaN``, ``Infinity``, surrogate escapes).
"""

from __future__ import annotations

__all__ = ["loads"]

_WHITESPACE = " \t\n\r"
_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = (("true", True), ("false", False), ("null", None))


def loads(text: str) -> object:
    """Parse ``text`` as one JSON value; ValueError when not accepted."""
    try:
        value, end = _value(text, _skip(text, 0))
    except (IndexError, RecursionError) as exc:
        raise ValueError("not accepted") from exc
    if _skip(text, end) != len(text):
        raise ValueError("extra data")
    return value


def _skip(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WHITESPACE:
        i += 1
    return i


def _value(s: str, i: int) -> tuple[object, int]:
    c = s[i]
    if c == '"':
        return _string(s, i + 1)
    if c == "{":
        return _object(s, i + 1)
    if c == "[":
        return _array(s, i + 1)
    if c == "-" or c in _DIGITS:
        return _number(s, i)
    for word, value in _LITERALS:
        if s.startswith(word, i):
            return value, i + len(word)
    raise ValueError("unexpected character")


def _object(s: str, i: int) -> tuple[dict[str, object], int]:
    result: dict[str, object] = {}
    i = _skip(s, i)
    if s[i] == "}":
        return result, i + 1
    while True:
        if s[i] != '"':
            raise ValueError("expected a name")
        name, i = _string(s, i + 1)
        i = _skip(s, i)
        if s[i] != ":":
            raise ValueError("expected ':'")
        result[name], i = _value(s, _skip(s, i + 1))
        i = _skip(s, i)
        if s[i] == "}":
            return result, i + 1
        if s[i] != ",":
            raise ValueError("expected ',' or '}'")
        i = _skip(s, i + 1)


def _array(s: str, i: int) -> tuple[list[object], int]:
    result: list[object] = []
    i = _skip(s, i)
    if s[i] == "]":
        return result, i + 1
    while True:
        item, i = _value(s, i)
        result.append(item)
        i = _skip(s, i)
        if s[i] == "]":
            return result, i + 1
        if s[i] != ",":
            raise ValueError("expected ',' or ']'")
        i = _skip(s, i + 1)


def _string(s: str, i: int) -> tuple[str, int]:
    parts: list[str] = []
    while True:
        end = i
        while s[end] not in '"\\':
            if s[end] < " ":
                raise ValueError("control character in string")
            end += 1
        parts.append(s[i:end])
        if s[end] == '"':
            return "".join(parts), end + 1
        escape = s[end + 1]
        if escape == "u":
            digits = s[end + 2 : end + 6]
            if len(digits) != 4 or any(d not in _HEX for d in digits):
                raise ValueError("bad \\u escape")
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDFFF:
                raise ValueError("surrogate escape")
            parts.append(chr(code))
            i = end + 6
        elif escape in _ESCAPES:
            parts.append(_ESCAPES[escape])
            i = end + 2
        else:
            raise ValueError("bad escape")


def _number(s: str, i: int) -> tuple[int | float, int]:
    start = i
    if s[i] == "-":
        i += 1
    if s[i] == "0":
        i += 1
    elif s[i] in _DIGITS:
        i = _digits(s, i)
    else:
        raise ValueError("bad number")
    is_float = False
    if i < len(s) and s[i] == ".":
        i = _digits(s, i + 1)
        is_float = True
    if i < len(s) and s[i] in "eE":
        i += 1
        if i < len(s) and s[i] in "+-":
            i += 1
        i = _digits(s, i)
        is_float = True
    text = s[start:i]
    return (float(text) if is_float else int(text)), i


def _digits(s: str, i: int) -> int:
    """The end of the run of digits at ``i``; at least one is required."""
    end = i
    while end < len(s) and s[end] in _DIGITS:
        end += 1
    if end == i:
        raise ValueError("expected a digit")
    return end
