"""A token provider with a cache: shared entries, keys, and a cache that fails."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from eks_token.aws.signer import TokenSigner
from eks_token.cache.interface import MemoryTokenCache
from eks_token.core.credentials import AwsCredentials
from eks_token.core.token import TOKEN_LIFETIME, Token
from eks_token.errors import CacheError
from eks_token.inprocess.provider import TokenProvider
from tests.manual_clock import ManualClock
from tests.provider_helpers import CLUSTER, EXAMPLE, GatedCredentials, assert_valid
from tests.support.aws_env import (
    EXAMPLE_ACCESS_KEY_ID,
    EXAMPLE_SECRET_ACCESS_KEY,
    AwsEnv,
)
from tests.support.cli import run_cli, served_token


def test_providers_sharing_a_cache_sign_once(aws_env: AwsEnv, clock: ManualClock) -> None:
    cache = MemoryTokenCache()
    signer = TokenSigner(credentials=EXAMPLE, region="us-west-2")
    first = TokenProvider(CLUSTER, signer=signer, cache=cache, clock=clock)
    second = TokenProvider(CLUSTER, signer=signer, cache=cache, clock=clock)
    token = first.token()
    clock.advance(timedelta(minutes=1))
    assert second.token() is token
    # A forced refresh (the server refused the token) skips the cache and updates it.
    renewed = second.refresh(rejected=token)
    assert renewed.value != token.value
    assert cache.get(second.cache_key(), clock()) is renewed


def test_cache_key_names_cluster_identity_and_endpoint(provider: TokenProvider) -> None:
    key = provider.cache_key()
    assert key["cluster_id"] == CLUSTER
    assert key["region"] == "us-west-2"
    assert key["explicit_credentials_sha256"]
    assert key["resolved_sts_endpoint"] == "https://sts.us-west-2.amazonaws.com/"
    assert EXAMPLE_SECRET_ACCESS_KEY not in repr(key)
    assert EXAMPLE_ACCESS_KEY_ID not in repr(key)


def test_a_credential_source_is_keyed_by_its_current_credentials(aws_env: AwsEnv) -> None:
    source = GatedCredentials()
    key = TokenProvider(CLUSTER, credentials=source, region="us-west-2").cache_key()
    assert key == TokenProvider(CLUSTER, credentials=EXAMPLE, region="us-west-2").cache_key()
    other = AwsCredentials("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
    assert TokenProvider(CLUSTER, credentials=other, region="us-west-2").cache_key() != key
    assert EXAMPLE_SECRET_ACCESS_KEY not in repr(key)


class BrokenCache:
    def get(self, key: Mapping[str, str], now: datetime) -> Token | None:
        raise CacheError("cache directory unreadable")

    def put(self, key: Mapping[str, str], token: Token) -> None:
        raise CacheError("cache directory unwritable")


def test_an_unusable_cache_falls_back_to_signing(aws_env: AwsEnv, clock: ManualClock) -> None:
    provider = TokenProvider(
        CLUSTER, credentials=EXAMPLE, region="us-west-2", cache=BrokenCache(), clock=clock
    )
    assert_valid(provider.token(), clock())


def test_stale_cached_tokens_are_not_used(aws_env: AwsEnv, clock: ManualClock) -> None:
    cache = MemoryTokenCache(margin=timedelta(0))
    provider = TokenProvider(
        CLUSTER, credentials=EXAMPLE, region="us-west-2", cache=cache, clock=clock
    )
    stale = provider.token()
    provider.invalidate()
    clock.advance(timedelta(minutes=10))  # 4 minutes left: the cache serves it, we do not
    fresh = provider.token()
    assert fresh != stale
    assert fresh.expiration == clock() + TOKEN_LIFETIME


def test_providers_in_different_processes_can_share_a_file_cache(
    aws_env: AwsEnv, clock: ManualClock, tmp_path: Path
) -> None:
    from eks_token.cache.file_cache import FileTokenCache

    def new_provider() -> TokenProvider:
        cache = FileTokenCache(tmp_path / "cache")
        return TokenProvider(
            CLUSTER, credentials=EXAMPLE, region="us-west-2", cache=cache, clock=clock
        )

    token = new_provider().token()
    clock.advance(timedelta(minutes=2))
    assert new_provider().token() == token
    clock.advance(timedelta(minutes=6))
    fresh = new_provider().token()
    assert fresh != token
    assert_valid(fresh, clock())


def test_a_provider_and_the_command_share_file_cache_entries(
    aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_token.cache.file_cache import FileTokenCache

    monkeypatch.setenv("EKS_TOKEN_CACHE_DIR", str(tmp_path / "cache"))
    signed_here = TokenProvider(CLUSTER, region="us-west-2", cache=FileTokenCache()).token()
    served = run_cli("token", "-i", CLUSTER, "--region", "us-west-2", "-v")
    assert served_token(served) == signed_here.value
    assert "from the cache" in served.stderr

    assert FileTokenCache().clear() == 1
    signed_there = run_cli("token", "-i", CLUSTER, "--region", "us-west-2", "-v")
    assert "signed for" in signed_there.stderr
    provider = TokenProvider(CLUSTER, region="us-west-2", cache=FileTokenCache())
    assert provider.token().value == served_token(signed_there)


ROLE = "arn:aws:iam::123456789012:role/eks-admins"
BOB = AwsCredentials("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")


@pytest.fixture
def mock_sts(aws_env: AwsEnv) -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


def test_other_base_credentials_under_the_same_role_miss(
    mock_sts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_token.cache.file_cache import FileTokenCache

    cache = FileTokenCache(tmp_path / "cache")
    alice = TokenProvider(CLUSTER, region="us-west-2", role_arn=ROLE, cache=cache).token()
    again = TokenProvider(CLUSTER, region="us-west-2", role_arn=ROLE, cache=cache).token()
    assert again == alice
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", BOB.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", BOB.secret_access_key)
    bob = TokenProvider(CLUSTER, region="us-west-2", role_arn=ROLE, cache=cache).token()
    assert bob.value != alice.value


def test_other_explicit_credentials_under_the_same_role_miss(
    mock_sts: None, tmp_path: Path
) -> None:
    from eks_token.cache.file_cache import FileTokenCache

    cache = FileTokenCache(tmp_path / "cache")

    def provider(credentials: AwsCredentials) -> TokenProvider:
        return TokenProvider(
            CLUSTER, region="us-west-2", role_arn=ROLE, credentials=credentials, cache=cache
        )

    alice = provider(EXAMPLE).token()
    assert provider(EXAMPLE).token() == alice
    assert provider(BOB).token().value != alice.value
    for entry in cache.entries():
        assert EXAMPLE_SECRET_ACCESS_KEY not in entry.key_lines
        assert BOB.secret_access_key not in entry.key_lines
