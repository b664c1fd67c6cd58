"""The token bytes: the token vectors, botocore's own presigner and the Go reference signer."""

from __future__ import annotations

import functools
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eks_token import AwsCredentials, get_token, sign_token
from eks_token.core.endpoints import resolve_sts_endpoint
from eks_token.core.token import TOKEN_LIFETIME, decode_token
from tests.support.vectors import TokenVector, load_vectors

VECTORS = load_vectors()


def _ids(vector: TokenVector) -> str:
    return vector.id


def _credentials(vector: TokenVector) -> AwsCredentials:
    return AwsCredentials(vector.access_key_id, vector.secret_access_key, vector.session_token)


@pytest.mark.parametrize("vector", VECTORS, ids=_ids)
def test_library_reproduces_every_vector(vector: TokenVector) -> None:
    endpoint = resolve_sts_endpoint(
        vector.region, regional_mode=vector.sts_regional_endpoints or "regional"
    )
    token = sign_token(vector.cluster_id, _credentials(vector), endpoint, vector.time)
    assert token.value == vector.token
    assert decode_token(token.value) == vector.url
    assert token.expiration == vector.time + TOKEN_LIFETIME


@pytest.mark.parametrize("vector", VECTORS, ids=_ids)
def test_get_token_reads_endpoint_mode_from_botocore_config(
    vector: TokenVector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    mode = vector.sts_regional_endpoints
    config.write_text("[default]\n" + (f"sts_regional_endpoints = {mode}\n" if mode else ""))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    token = get_token(
        vector.cluster_id,
        region=vector.region,
        credentials=_credentials(vector),
        now=vector.time,
    )
    assert token.value == vector.token


def test_sub_second_signing_times_are_truncated() -> None:
    vector = VECTORS[0]
    moment = vector.time + timedelta(microseconds=999_999)
    endpoint = resolve_sts_endpoint(vector.region)
    token = sign_token(vector.cluster_id, _credentials(vector), endpoint, moment)
    assert token.value == vector.token
    assert token.expiration.microsecond == 0


_cluster_ids = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=100
)
_regions = st.sampled_from(["us-west-2", "eu-central-1", "cn-northwest-1", "us-gov-east-1"])
_times = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(timezone.utc)
)
#: Session tokens are printable ASCII (others are refused: tests/hostile/test_clean_errors.py).
_tokens = st.one_of(
    st.none(),
    st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=400
    ),
)


@functools.cache
def _botocore_session() -> botocore.session.Session:
    """One session for all examples: it loads botocore's data once, and each client gets its
    own copy of the session's events (the header hook below stays with its client)."""
    return botocore.session.Session()


@settings(max_examples=150, deadline=None)
@given(cluster_id=_cluster_ids, region=_regions, now=_times, session_token=_tokens)
def test_signature_equals_botocore_presigner(
    cluster_id: str, region: str, now: datetime, session_token: str | None
) -> None:
    """Our SigV4 against botocore's own client presign, as `aws eks get-token` runs it."""
    client = _botocore_session().create_client(
        "sts",
        region_name=region,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        aws_session_token=session_token,
    )

    def add_header(request: object, **_: object) -> None:
        request.headers["x-k8s-aws-id"] = cluster_id  # type: ignore[attr-defined]

    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_header)
    moment = now.replace(microsecond=0)
    from unittest import mock

    with mock.patch("botocore.auth.get_current_datetime", return_value=moment.replace(tzinfo=None)):
        expected = client.generate_presigned_url(
            "get_caller_identity", ExpiresIn=60, HttpMethod="GET"
        )
    creds = AwsCredentials(
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", session_token
    )
    ours = sign_token(cluster_id, creds, resolve_sts_endpoint(region), moment)
    assert decode_token(ours.value) == expected


@pytest.mark.parametrize("vector", VECTORS, ids=_ids)
def test_go_reference_signer_agrees(vector: TokenVector, go_presign: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": "/nonexistent",
        "AWS_ACCESS_KEY_ID": vector.access_key_id,
        "AWS_SECRET_ACCESS_KEY": vector.secret_access_key,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if vector.session_token:
        env["AWS_SESSION_TOKEN"] = vector.session_token
    regional = (vector.sts_regional_endpoints or "regional") == "regional"
    result = subprocess.run(
        [
            str(go_presign),
            "-i",
            vector.cluster_id,
            "-region",
            vector.region,
            "-time",
            vector.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            f"-regional={str(regional).lower()}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = decode_token(result.stdout.strip())
    ours = decode_token(
        sign_token(
            vector.cluster_id,
            _credentials(vector),
            resolve_sts_endpoint(
                vector.region, regional_mode=vector.sts_regional_endpoints or "regional"
            ),
            vector.time,
        ).value
    )
    # aws-sdk-go puts X-Amz-Security-Token before X-Amz-SignedHeaders: same set, same signature.
    assert sorted(theirs.split("?")[1].split("&")) == sorted(ours.split("?")[1].split("&"))
    if not vector.session_token:
        assert theirs == ours
