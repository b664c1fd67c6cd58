from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from eks_token.aws.signer import TokenSigner
from eks_token.core.token import TOKEN_LIFETIME, Token
from eks_token.errors import CredentialsError, InvalidInputError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from tests.manual_clock import START, ManualClock
from tests.provider_helpers import CLUSTER, EXAMPLE, WAIT, GatedCredentials, assert_valid
from tests.support.aws_env import (
    AwsEnv,
)

THREADS = 32
CALLS_PER_THREAD = 25


def test_the_token_is_signed_once_and_reused_while_fresh(
    provider: TokenProvider, clock: ManualClock
) -> None:
    first = provider.token()
    clock.advance(TOKEN_LIFETIME - DEFAULT_REFRESH_MARGIN - timedelta(seconds=1))
    assert provider.token() is first
    assert provider.refresh_count == 1
    assert first.expiration == START + TOKEN_LIFETIME
    assert_valid(first, clock())


def test_the_token_is_refreshed_once_the_margin_is_reached(
    provider: TokenProvider, clock: ManualClock
) -> None:
    first = provider.token()
    clock.advance(TOKEN_LIFETIME - DEFAULT_REFRESH_MARGIN)
    second = provider.token()
    assert second != first
    assert second.expiration == clock() + TOKEN_LIFETIME
    assert provider.refresh_count == 2
    assert_valid(second, clock())


def test_the_default_margin_matches_the_cache_freshness() -> None:
    from eks_token.cache.interface import FRESHNESS_MARGIN

    assert DEFAULT_REFRESH_MARGIN == FRESHNESS_MARGIN == timedelta(minutes=6)


def test_32_threads_share_one_refresh_per_expiry(
    provider: TokenProvider, clock: ManualClock
) -> None:
    # Phases: first use; inside the refresh margin; long after expiry.
    moments = [START, START + timedelta(minutes=9), START + timedelta(minutes=40)]
    barrier = threading.Barrier(THREADS + 1)
    handed_out: list[list[tuple[Token, datetime]]] = [[] for _ in moments]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for phase in range(len(moments)):
                barrier.wait(WAIT)
                got = []
                for _ in range(CALLS_PER_THREAD):
                    got.append((provider.token(), clock()))
                with lock:
                    handed_out[phase].extend(got)
                barrier.wait(WAIT)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    counts = []
    for moment in moments:
        clock.set(moment)
        barrier.wait(WAIT)  # go
        barrier.wait(WAIT)  # everyone done with this phase
        counts.append(provider.refresh_count)
    for thread in threads:
        thread.join(WAIT)
    assert not errors
    assert counts == [1, 2, 3]
    for phase, got in enumerate(handed_out):
        assert len(got) == THREADS * CALLS_PER_THREAD
        for token, at in got:
            assert_valid(token, at)
        distinct = {token.value for token, _ in got}
        # Inside the margin, calls made while the refresh ran may still get the old token.
        assert len(distinct) == 1 or (phase == 1 and len(distinct) == 2)
    assert handed_out[2][0][0].expiration == moments[2] + TOKEN_LIFETIME


def test_inside_the_margin_other_threads_keep_the_old_token_while_one_signs(
    aws_env: AwsEnv, clock: ManualClock
) -> None:
    source = GatedCredentials()
    provider = TokenProvider(CLUSTER, credentials=source, region="us-west-2", clock=clock)
    old = provider.token()
    clock.advance(timedelta(minutes=9))
    source.hold = True
    results: list[Token] = []
    results_lock = threading.Condition()

    def call() -> None:
        token = provider.token()
        with results_lock:
            results.append(token)
            results_lock.notify_all()

    signer_thread = threading.Thread(target=call)
    signer_thread.start()
    assert source.signing.wait(WAIT)
    others = [threading.Thread(target=call) for _ in range(THREADS - 1)]
    for thread in others:
        thread.start()
    with results_lock:
        assert results_lock.wait_for(lambda: len(results) == THREADS - 1, WAIT)
        assert all(token is old for token in results)
    source.release.set()
    for thread in [signer_thread, *others]:
        thread.join(WAIT)
    assert results[-1] is not old
    assert_valid(results[-1], clock())
    assert provider.refresh_count == 2


def test_after_expiry_waiting_threads_all_get_the_one_new_token(
    aws_env: AwsEnv, clock: ManualClock
) -> None:
    source = GatedCredentials()
    provider = TokenProvider(CLUSTER, credentials=source, region="us-west-2", clock=clock)
    old = provider.token()
    clock.advance(timedelta(minutes=20))
    source.hold = True
    results: list[Token] = []

    def call() -> None:
        results.append(provider.token())

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    threads[0].start()
    assert source.signing.wait(WAIT)
    for thread in threads[1:]:
        thread.start()
    source.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert len(results) == THREADS
    assert {token.value for token in results} == {results[0].value}
    assert results[0] != old
    assert provider.refresh_count == 2
    assert_valid(results[0], clock())


def test_a_failed_refresh_inside_the_margin_keeps_the_valid_token(
    aws_env: AwsEnv, clock: ManualClock
) -> None:
    source = GatedCredentials()
    provider = TokenProvider(CLUSTER, credentials=source, region="us-west-2", clock=clock)
    old = provider.token()
    source.fail = True
    clock.advance(timedelta(minutes=10))
    assert provider.token() is old
    clock.advance(timedelta(minutes=5))
    with pytest.raises(CredentialsError, match="down"):
        provider.token()
    source.fail = False
    assert_valid(provider.token(), clock())


def test_refresh_of_a_rejected_token_signs_once(
    provider: TokenProvider, clock: ManualClock
) -> None:
    rejected = provider.token()
    clock.advance(timedelta(seconds=5))
    renewed = provider.refresh(rejected=rejected)
    assert renewed != rejected
    # A second thread reporting the same rejected token gets the renewed one.
    assert provider.refresh(rejected=rejected.value) is renewed
    assert provider.refresh_count == 2
    clock.advance(timedelta(seconds=5))
    assert provider.refresh() != renewed
    assert provider.refresh_count == 3


def test_invalidate_makes_the_next_call_fetch(provider: TokenProvider, clock: ManualClock) -> None:
    first = provider.token()
    provider.invalidate()
    clock.advance(timedelta(seconds=1))
    assert provider.token() != first


@pytest.mark.parametrize("margin", [timedelta(seconds=-1), TOKEN_LIFETIME])
def test_margin_must_leave_time_to_use_the_token(margin: timedelta) -> None:
    with pytest.raises(InvalidInputError) as caught:
        TokenProvider(CLUSTER, credentials=EXAMPLE, margin=margin)
    assert caught.value.option == "margin"


def test_signer_and_signer_options_conflict() -> None:
    with pytest.raises(InvalidInputError, match="not both"):
        TokenProvider(CLUSTER, signer=TokenSigner(credentials=EXAMPLE), region="us-west-2")


def test_empty_cluster_id_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        TokenProvider(" ", credentials=EXAMPLE)


def test_repr_shows_no_token(provider: TokenProvider) -> None:
    token = provider.token()
    assert token.value not in repr(provider)
    assert CLUSTER in repr(provider)


def test_a_token_signed_while_the_clock_was_ahead_is_replaced_once_it_is_put_back(
    provider: TokenProvider, clock: ManualClock
) -> None:
    """The clock jumps back 20 minutes (NTP corrects it): the token signed before the jump
    is from the future, which STS refuses, so the provider signs a new one at once, as of
    the corrected time (not the second after the old token's)."""
    clock.advance(timedelta(minutes=20))
    ahead = provider.token()
    clock.advance(timedelta(minutes=-20))
    current = provider.token()
    assert current != ahead
    assert current.expiration == clock() + TOKEN_LIFETIME
    assert provider.refresh_count == 2
    assert_valid(current, clock())
    rejected = provider.refresh(rejected=current)
    assert rejected.expiration == clock() + TOKEN_LIFETIME + timedelta(seconds=1)


def test_refreshing_a_rejected_token_from_the_future_signs_as_of_now(
    provider: TokenProvider, clock: ManualClock
) -> None:
    """A 401 for a token signed while the clock was ahead: the new one is signed now, not
    in the second after the rejected one's (which STS would refuse again)."""
    clock.advance(timedelta(minutes=20))
    ahead = provider.token()
    clock.advance(timedelta(minutes=-20))
    renewed = provider.refresh(rejected=ahead)
    assert renewed.expiration == clock() + TOKEN_LIFETIME
    assert_valid(renewed, clock())
