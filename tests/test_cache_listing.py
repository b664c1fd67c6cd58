"""The cache's own account of its entries (``eks-token cache list`` prints it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from eks_token.cache.file_cache import FileTokenCache
from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import resolve_sts_endpoint
from eks_token.core.signing import sign_token
from eks_token.core.token import Token, encode_token, signing_region
from tests.support.cache_entries import NOW, SECRET, token

CREDENTIALS = AwsCredentials("AKIAEXAMPLE", SECRET)


def signed(region: str | None, *, expiry: timedelta | None = None) -> Token:
    credentials = CREDENTIALS
    if expiry is not None:
        credentials = AwsCredentials("ASIAEXAMPLE", SECRET, "session", expiry=NOW + expiry)
    return sign_token("my-cluster", credentials, resolve_sts_endpoint(region), NOW)


@pytest.mark.parametrize(
    ("region", "expected"),
    [("eu-west-1", "eu-west-1"), (None, "us-east-1"), ("cn-north-1", "cn-north-1")],
)
def test_the_signing_region_is_read_from_the_credential_scope(
    region: str | None, expected: str
) -> None:
    assert signing_region(signed(region).value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "not-a-token",
        "k8s-aws-v1.%%%",
        token().value,  # no X-Amz-Credential
        encode_token("https://sts.amazonaws.com/?X-Amz-Credential=AKIA%2F20261128%2F%2Fsts"),
        encode_token("https://sts.amazonaws.com/?X-Amz-Credential=AKIA/20261128//sts/aws4_request"),
    ],
)
def test_a_token_without_a_readable_scope_has_no_signing_region(value: str) -> None:
    assert signing_region(value) is None


def test_each_entry_is_summarized_at_now(tmp_path: Path) -> None:
    cache = FileTokenCache(tmp_path / "cache")
    role = "arn:aws:iam::111122223333:role/admin"
    cache.put({"cluster_id": "my-cluster", "region": "eu-west-1"}, signed("eu-west-1"))
    cache.put({"cluster_id": "my-cluster", "role_arn": role, "profile": "dev"}, signed(None))
    later = NOW + timedelta(minutes=5, seconds=30)
    summaries = sorted(cache.summaries(later), key=lambda s: s.region or "")
    assert [(s.region, s.role_arn, s.profile, s.status, s.cut_short) for s in summaries] == [
        ("eu-west-1", None, None, "fresh", False),
        ("us-east-1", role, "dev", "fresh", False),
    ]
    assert {s.cluster_id for s in summaries} == {"my-cluster"}
    assert summaries[0].expiration == NOW + timedelta(minutes=14)
    assert summaries[0].time_left == timedelta(minutes=8, seconds=30)


@pytest.mark.parametrize(
    ("after", "status"),
    [
        (timedelta(minutes=7, seconds=59), "fresh"),
        (timedelta(minutes=8), "stale"),  # exactly the margin left: no longer served
        (timedelta(minutes=13, seconds=59), "stale"),
        (timedelta(minutes=14), "expired"),
        (timedelta(hours=3), "expired"),
    ],
)
def test_status_follows_the_freshness_margin(tmp_path: Path, after: timedelta, status: str) -> None:
    cache = FileTokenCache(tmp_path / "cache")
    cache.put({"cluster_id": "my-cluster"}, signed("us-west-2"))
    [summary] = cache.summaries(NOW + after)
    assert summary.status == status
    assert summary.time_left == timedelta(minutes=14) - after


def test_a_token_ended_early_by_its_credentials_is_cut_short(tmp_path: Path) -> None:
    cache = FileTokenCache(tmp_path / "cache")
    cache.put({"cluster_id": "c"}, signed("us-west-2", expiry=timedelta(minutes=10)))
    [summary] = cache.summaries(NOW)
    assert summary.cut_short
    assert summary.expiration < NOW + timedelta(minutes=14)


def test_the_profile_from_the_environment_and_a_missing_cluster(tmp_path: Path) -> None:
    cache = FileTokenCache(tmp_path / "cache")
    value = signed("us-west-2")
    cache.put({"env.AWS_PROFILE": "from-env"}, Token(value.value, value.expiration, None))
    [summary] = cache.summaries(NOW)
    assert (summary.cluster_id, summary.profile, summary.role_arn) == (None, "from-env", None)


def test_no_directory_no_summaries(tmp_path: Path) -> None:
    assert FileTokenCache(tmp_path / "absent").summaries(NOW) == []
