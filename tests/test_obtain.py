"""The token cache policy, shared by ``get_token(cache=)`` and the exec-plugin commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eks_token.aws.obtain import obtain_token
from eks_token.aws.signer import TokenSigner, get_token
from eks_token.cache.interface import MemoryTokenCache
from eks_token.core.credentials import AwsCredentials
from eks_token.errors import InvalidInputError
from tests.support.cache_entries import NOW, SECRET

CREDENTIALS = AwsCredentials("AKIAEXAMPLE", SECRET)


def signer() -> TokenSigner:
    return TokenSigner(credentials=CREDENTIALS, region="us-west-2")


def test_served_from_the_cache_while_fresh_then_signed_again() -> None:
    cache, who = MemoryTokenCache(), signer()
    first = obtain_token(who, "c", cache=cache, now=NOW)
    assert (first.from_cache, first.now) == (False, NOW)
    again = obtain_token(who, "c", cache=cache, now=NOW + timedelta(minutes=7, seconds=59))
    assert again.from_cache
    assert again.token is first.token
    later = NOW + timedelta(minutes=8)  # no more than the margin left
    renewed = obtain_token(who, "c", cache=cache, now=later)
    assert not renewed.from_cache
    assert renewed.token.value != first.token.value
    assert cache.get(who.cache_key("c"), later) is renewed.token


def test_a_fixed_time_the_caller_keeps_out_of_the_cache_is_neither_read_nor_stored() -> None:
    cache, who = MemoryTokenCache(), signer()
    stored = obtain_token(who, "c", cache=cache, now=NOW).token
    fixed = obtain_token(who, "c", cache=cache, now=NOW, cache_fixed_time=False)
    assert not fixed.from_cache
    assert fixed.token is not stored
    assert cache.get(who.cache_key("c"), NOW) is stored
    other = NOW + timedelta(minutes=1)
    empty = MemoryTokenCache()
    obtain_token(who, "c", cache=empty, now=other, cache_fixed_time=False)
    assert empty.get(who.cache_key("c"), other) is None


def test_without_a_cache_it_signs_at_the_current_time() -> None:
    result = obtain_token(signer(), "c", cache=None)
    assert not result.from_cache
    assert result.token.expiration - result.now.replace(microsecond=0) == timedelta(minutes=14)


def test_a_bad_cluster_id_is_refused_before_the_cache_is_asked() -> None:
    class Untouchable(MemoryTokenCache):
        def get(self, *args: object) -> None:
            raise AssertionError("asked")

    with pytest.raises(InvalidInputError):
        obtain_token(signer(), "bad\nid", cache=Untouchable(), now=NOW)


def test_get_token_follows_the_same_policy() -> None:
    cache = MemoryTokenCache()
    token = get_token("c", credentials=CREDENTIALS, region="us-west-2", cache=cache, now=NOW)
    served = obtain_token(signer(), "c", cache=cache, now=NOW + timedelta(minutes=3))
    assert served.from_cache
    assert served.token is token
