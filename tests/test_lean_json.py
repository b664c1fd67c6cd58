"""The start-up path's JSON reader gives json's values, or leaves the text to json."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from eks_token.exec_plugin.lean_json import loads

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(JSON_VALUES, st.booleans(), st.sampled_from(["", " ", "\n\t ", "\r\n"]))
def test_lean_json_reads_what_json_writes(value: object, ascii_only: bool, pad: str) -> None:
    text = pad + json.dumps(value, ensure_ascii=ascii_only, indent=1 if ascii_only else None)
    try:
        expected = json.loads(text + pad)
    except ValueError:
        return
    try:
        assert loads(text + pad) == expected
    except ValueError:
        assert "\\ud" in text.lower()  # surrogate escapes are left to json


@settings(max_examples=300)
@given(st.text(alphabet='{}[]":,0123456789.eE+-tfrunlasxu\\ \n', max_size=30))
def test_lean_json_never_accepts_what_json_rejects(text: str) -> None:
    rejected = object()
    try:
        expected = json.loads(text)
    except ValueError:
        expected = rejected
    try:
        got = loads(text)
    except ValueError:
        return  # always allowed: the full path then reads it with json
    assert expected is not rejected
    assert got == expected
