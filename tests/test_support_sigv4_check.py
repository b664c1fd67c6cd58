from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.reference_token import mint_token, presigned_url, token_for_url
from tests.support.sigv4_check import (
    MAX_TOKEN_LENGTH,
    Reason,
    check_query,
    check_token,
    check_url,
    decode_token,
    is_sts_host,
)
from tests.support.vectors import TokenVector, load_vectors

VECTORS = load_vectors()
T = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)
KEYS = {"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def check(
    vector: TokenVector,
    *,
    cluster_id: str | None = None,
    keys: dict[str, str] | None = None,
    now: datetime | None = None,
    signed_host: str | None = None,
    session_tokens: dict[str, str] | None = None,
) -> Reason | None:
    result = check_token(
        vector.token,
        cluster_id=cluster_id or vector.cluster_id,
        keys=keys or {vector.access_key_id: vector.secret_access_key},
        now=now or vector.time + timedelta(seconds=30),
        signed_host=signed_host,
        session_tokens=session_tokens,
    )
    return result.reason


def with_url(url: str, old: str, new: str) -> str:
    assert old in url
    return token_for_url(url.replace(old, new))


def test_vectors_are_present() -> None:
    assert len(VECTORS) >= 7


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_every_vector_verifies(vector: TokenVector) -> None:
    session_tokens = {vector.access_key_id: vector.session_token} if vector.session_token else {}
    result = check_token(
        vector.token,
        cluster_id=vector.cluster_id,
        keys={vector.access_key_id: vector.secret_access_key},
        session_tokens=session_tokens,
        now=vector.time + timedelta(seconds=5),
    )
    assert result.ok, result.reason
    assert result.url == vector.url
    assert result.access_key_id == vector.access_key_id
    assert result.signing_time == vector.time
    assert result.session_token == vector.session_token
    assert result.cluster_id == vector.cluster_id
    expected_region = "us-east-1" if vector.sts_regional_endpoints == "legacy" else vector.region
    assert result.region == expected_region
    assert result.service == "sts"
    assert decode_token(vector.token) == vector.url


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_botocore_mints_every_vector_byte_for_byte(vector: TokenVector) -> None:
    token = mint_token(
        vector.cluster_id,
        when=vector.time,
        region=vector.region,
        access_key_id=vector.access_key_id,
        secret_access_key=vector.secret_access_key,
        session_token=vector.session_token,
        sts_regional_endpoints=vector.sts_regional_endpoints,
    )
    assert token == vector.token


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_every_vector_fails_each_check(vector: TokenVector) -> None:
    flipped = vector.signature[:-1] + ("0" if vector.signature[-1] != "0" else "1")
    flipped_token = with_url(vector.url, vector.signature, flipped)
    assert check(vector, cluster_id=vector.cluster_id + "x") is Reason.SIGNATURE_MISMATCH
    assert check(vector, keys={vector.access_key_id: "x" * 40}) is Reason.SIGNATURE_MISMATCH
    assert check(vector, keys={"AKIAOTHEREXAMPLE": "x"}) is Reason.UNKNOWN_ACCESS_KEY
    assert check(vector, now=vector.time + timedelta(minutes=15, seconds=1)) is Reason.EXPIRED
    assert check(vector, now=vector.time + timedelta(minutes=15)) is None
    assert check(vector, now=vector.time - timedelta(minutes=6)) is Reason.NOT_YET_VALID
    assert check(vector, signed_host="127.0.0.1:8443") is Reason.SIGNATURE_MISMATCH
    result = check_token(
        flipped_token,
        cluster_id=vector.cluster_id,
        keys={vector.access_key_id: vector.secret_access_key},
        now=vector.time,
    )
    assert result.reason is Reason.SIGNATURE_MISMATCH


def test_url_is_checked_like_the_token() -> None:
    vector = VECTORS[0]
    result = check_url(vector.url, cluster_id=vector.cluster_id, keys=KEYS, now=vector.time)
    assert result.ok
    assert result.host == "sts.us-west-2.amazonaws.com"


def test_session_token_must_match_when_expected() -> None:
    vector = next(v for v in VECTORS if v.session_token)
    assert vector.session_token is not None
    expected = {vector.access_key_id: vector.session_token}
    assert check(vector, session_tokens=expected) is None
    wrong = {vector.access_key_id: "other"}
    assert check(vector, session_tokens=wrong) is Reason.SESSION_TOKEN_MISMATCH
    unsigned = next(v for v in VECTORS if not v.session_token)
    expected = {unsigned.access_key_id: "required"}
    assert check(unsigned, session_tokens=expected) is Reason.SESSION_TOKEN_MISMATCH


URL = presigned_url("my-cluster", when=T)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("k8s-aws-v2." + mint_token("my-cluster", when=T)[11:], Reason.BAD_PREFIX),
        (mint_token("my-cluster", when=T) + "=", Reason.BAD_BASE64),
        ("k8s-aws-v1.a+b/", Reason.BAD_BASE64),
        ("k8s-aws-v1." + "A" * MAX_TOKEN_LENGTH, Reason.TOO_LONG),
        (token_for_url(URL.replace("https://", "http://")), Reason.NOT_HTTPS),
        (token_for_url(URL.replace("amazonaws.com", "example.com")), Reason.NOT_STS_HOST),
        (token_for_url(URL.replace(".com/?", ".com/x?")), Reason.BAD_PATH),
        (token_for_url(URL + "&x=%zz"), Reason.BAD_QUERY),
        (token_for_url(URL + ";"), Reason.BAD_QUERY),
        (token_for_url(URL + "&x-amz-credential=AKIAEVIL"), Reason.DUPLICATE_PARAMETER),
        (token_for_url(URL + "&Foo=bar"), Reason.UNEXPECTED_PARAMETER),
        (with_url(URL, "GetCallerIdentity", "AssumeRole"), Reason.BAD_ACTION),
        (with_url(URL, "host%3Bx-k8s-aws-id", "host"), Reason.CLUSTER_ID_NOT_SIGNED),
        (with_url(URL, "X-Amz-Expires=60", "X-Amz-Expires=901"), Reason.BAD_EXPIRES),
        (with_url(URL, "X-Amz-Date=20261128T211904Z", "X-Amz-Date=2026-11-28"), Reason.BAD_DATE),
        (with_url(URL, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), Reason.BAD_ALGORITHM),
        (with_url(URL, "%2Fsts%2F", "%2Fiam%2F"), Reason.BAD_CREDENTIAL_SCOPE),
        (with_url(URL, "&X-Amz-Algorithm=AWS4-HMAC-SHA256", ""), Reason.MISSING_PARAMETER),
    ],
)
def test_each_malformed_token_has_its_reason(token: str, reason: Reason) -> None:
    result = check_token(token, cluster_id="my-cluster", keys=KEYS, now=T)
    assert result.reason is reason


def test_a_token_signed_without_the_cluster_id_header_is_refused_but_sts_accepts_it() -> None:
    url = presigned_url(None, when=T)
    assert "X-Amz-SignedHeaders=host&" in url
    result = check_token(token_for_url(url), cluster_id="my-cluster", keys=KEYS, now=T)
    assert result.reason is Reason.CLUSTER_ID_NOT_SIGNED
    query = url.partition("?")[2]
    for cluster_id in (None, "any"):
        result = check_query(
            query,
            cluster_id=cluster_id,
            keys=KEYS,
            now=T,
            signed_host="sts.us-west-2.amazonaws.com",
            require_cluster_id=False,
        )
        assert result.ok, result.reason


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_token(
            VECTORS[0].token, cluster_id="my-cluster", keys=KEYS, now=T.replace(tzinfo=None)
        )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("sts.amazonaws.com", True),
        ("sts.us-west-2.amazonaws.com", True),
        ("sts-fips.us-east-1.amazonaws.com", True),
        ("sts.cn-north-1.amazonaws.com.cn", True),
        ("sts.us-east-1.api.aws", True),
        ("sts.eu-isoe-west-1.cloud.adc-e.uk", True),
        ("sts.us-west-2.amazonaws.com:443", False),
        ("sts.-bad-.amazonaws.com", False),
        ("evil.com/sts.amazonaws.com", False),
        ("sts.us-west-2.amazonaws.com.evil.com", False),
        ("127.0.0.1:8443", False),
    ],
)
def test_sts_hosts(host: str, expected: bool) -> None:
    assert is_sts_host(host) is expected
