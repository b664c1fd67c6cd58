from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from eks_token import errors
from eks_token.clock import format_rfc3339, parse_rfc3339
from eks_token.core.token import (
    API_V1,
    API_V1ALPHA1,
    API_V1BETA1,
    TOKEN_PREFIX,
    Token,
    decode_token,
    encode_token,
)
from tests.support.vectors import TokenVector, load_vectors

EXPIRY = datetime(2026, 11, 28, 21, 33, 4, tzinfo=timezone.utc)


@pytest.mark.parametrize("vector", load_vectors(), ids=lambda v: v.id)
def test_encode_and_decode_match_the_vectors(vector: TokenVector) -> None:
    assert encode_token(vector.url) == vector.token
    assert decode_token(vector.token) == vector.url


def test_encoding_is_url_safe_and_unpadded() -> None:
    url = "https://sts.amazonaws.com/?a=\xff\xfe>>>??"
    token = encode_token(url)
    body = token.removeprefix(TOKEN_PREFIX)
    assert not set(body) & set("=+/")
    assert base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode() == url


@pytest.mark.parametrize(
    ("token", "rule"),
    [
        ("k8s-aws-v2.aGVsbG8", "prefix"),
        ("aGVsbG8", "prefix"),
        ("k8s-aws-v1.", "base64"),
        ("k8s-aws-v1.aGVsbG8=", "base64"),
        ("k8s-aws-v1.aGV+bG8", "base64"),
        ("k8s-aws-v1.aGV/bG8", "base64"),
        ("k8s-aws-v1.a", "base64"),
        ("k8s-aws-v1.__8", "base64"),
    ],
)
def test_decode_rejects_malformed_tokens(token: str, rule: str) -> None:
    with pytest.raises(errors.TokenValidationError) as caught:
        decode_token(token)
    assert caught.value.rule == rule


def test_exec_credential_has_the_shape_kubectl_reads() -> None:
    token = Token("k8s-aws-v1.abc", EXPIRY, "c")
    for version in (API_V1, API_V1BETA1, API_V1ALPHA1):
        credential = json.loads(token.exec_credential_json(version))
        assert credential == {
            "kind": "ExecCredential",
            "apiVersion": version,
            "spec": {},
            "status": {"expirationTimestamp": "2026-11-28T21:33:04Z", "token": "k8s-aws-v1.abc"},
        }


def test_exec_credential_refuses_unknown_versions() -> None:
    with pytest.raises(errors.InvalidInputError, match="apiVersion"):
        Token("t", EXPIRY).exec_credential("client.authentication.k8s.io/v2")


def test_repr_never_shows_the_token() -> None:
    secret = "k8s-aws-v1.c2VjcmV0LXRva2VuLXZhbHVl"
    assert secret not in repr(Token(secret, EXPIRY, "prod"))
    assert "prod" in repr(Token(secret, EXPIRY, "prod"))


def test_expiry_arithmetic_uses_the_given_clock() -> None:
    token = Token("t", EXPIRY)
    assert token.remaining(EXPIRY - timedelta(minutes=7)) == timedelta(minutes=7)
    assert not token.expired(EXPIRY - timedelta(minutes=7), timedelta(minutes=6))
    assert token.expired(EXPIRY - timedelta(minutes=5), timedelta(minutes=6))
    assert token.expired(EXPIRY)
    assert not token.expired(EXPIRY - timedelta(seconds=1))


def test_naive_expiration_is_refused() -> None:
    with pytest.raises(errors.InvalidInputError, match="timezone"):
        Token("t", datetime(2026, 1, 1))


def test_timestamps_round_trip_in_utc() -> None:
    local = datetime(2026, 11, 28, 22, 33, 4, 999, tzinfo=timezone(timedelta(hours=1)))
    assert format_rfc3339(local) == "2026-11-28T21:33:04Z"
    assert parse_rfc3339("2026-11-28T21:33:04Z") == EXPIRY
    assert parse_rfc3339("2026-11-28T22:33:04+01:00") == EXPIRY
    with pytest.raises(errors.InvalidInputError):
        parse_rfc3339("yesterday")
    with pytest.raises(errors.InvalidInputError):
        parse_rfc3339("2026-11-28T21:33:04")
