"""AsyncTokenProvider: one signing per expiry, however many coroutines and event loops ask,
and an event loop that keeps running while botocore resolves credentials."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from eks_token import AsyncTokenProvider
from eks_token.cache.interface import MemoryTokenCache
from eks_token.core.credentials import AwsCredentials
from eks_token.core.token import TOKEN_LIFETIME, Token
from eks_token.errors import CredentialsError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from tests.credential_sources import add_profile, process_command, process_script, runs
from tests.manual_clock import START, ManualClock
from tests.provider_helpers import CLUSTER, EXAMPLE, WAIT, GatedCredentials, assert_valid
from tests.support.aws_env import AwsEnv

CALLERS = 1000


class CountingCredentials(GatedCredentials):
    """The gated credential source, counting how often the provider resolves credentials
    (once per signing)."""

    def __init__(self) -> None:
        super().__init__()
        self.resolved = 0
        self._count_lock = threading.Lock()

    def get_frozen_credentials(self):  # type: ignore[no-untyped-def]
        with self._count_lock:
            self.resolved += 1
        return super().get_frozen_credentials()


@pytest.fixture
def source() -> CountingCredentials:
    return CountingCredentials()


@pytest.fixture
def aprovider(source: CountingCredentials, clock: ManualClock) -> AsyncTokenProvider:
    return AsyncTokenProvider(CLUSTER, credentials=source, region="us-west-2", clock=clock)


async def _wait_for(event: threading.Event) -> None:
    assert await asyncio.to_thread(event.wait, WAIT)


def test_a_fresh_token_is_signed_once_and_reused(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    async def main() -> tuple[Token, Token]:
        return await aprovider.token(), await aprovider.token()

    first, second = asyncio.run(main())
    assert first is second
    assert first.expiration == START + TOKEN_LIFETIME
    assert_valid(first, clock())
    assert (source.resolved, aprovider.refresh_count) == (1, 1)


def test_a_thousand_callers_at_expiry_cause_one_signing(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    async def main() -> list[Token]:
        first = await aprovider.token()
        clock.advance(TOKEN_LIFETIME + timedelta(seconds=1))
        tokens = await asyncio.gather(*(aprovider.token() for _ in range(CALLERS)))
        assert first not in tokens
        return tokens

    tokens = asyncio.run(main())
    assert len({token.value for token in tokens}) == 1
    assert (source.resolved, aprovider.refresh_count) == (2, 2)
    assert_valid(tokens[0], clock())


def test_inside_the_margin_only_the_refreshing_caller_waits(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    async def main() -> None:
        first = await aprovider.token()
        clock.advance(TOKEN_LIFETIME - DEFAULT_REFRESH_MARGIN + timedelta(seconds=1))
        source.hold = True
        refreshing = asyncio.create_task(aprovider.token())
        await _wait_for(source.signing)
        # The refresh is stuck in botocore; everyone else gets the still-valid token now.
        others = await asyncio.wait_for(
            asyncio.gather(*(aprovider.token() for _ in range(CALLERS))), WAIT
        )
        assert all(token is first for token in others)
        assert not refreshing.done()
        source.release.set()
        second = await refreshing
        assert second != first
        assert await aprovider.token() is second

    asyncio.run(main())
    assert source.resolved == 2


def test_a_failed_refresh_inside_the_margin_keeps_the_old_token(
    aprovider: AsyncTokenProvider,
    source: CountingCredentials,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        first = await aprovider.token()
        clock.advance(TOKEN_LIFETIME - timedelta(minutes=1))
        source.fail = True
        with caplog.at_level(logging.WARNING):
            assert await aprovider.token() is first
        clock.advance(timedelta(minutes=2))
        results = await asyncio.gather(
            *(aprovider.token() for _ in range(10)), return_exceptions=True
        )
        assert all(isinstance(r, CredentialsError) for r in results)

    asyncio.run(main())
    assert "using the current one" in caplog.text
    assert first_token_not_logged(caplog)


def first_token_not_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return "k8s-aws-v1." not in caplog.text


def test_a_storm_of_rejections_causes_one_refresh(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    async def main() -> list[Token]:
        rejected = await aprovider.token()
        tokens = await asyncio.gather(
            *(aprovider.refresh(rejected=rejected) for _ in range(CALLERS))
        )
        assert rejected not in tokens
        # Later reports of the same rejected token sign nothing more.
        assert await aprovider.refresh(rejected=rejected.value) is tokens[0]
        return tokens

    tokens = asyncio.run(main())
    assert len({token.value for token in tokens}) == 1
    assert (source.resolved, aprovider.refresh_count) == (2, 2)
    # Same second as the rejected token: signed as of the next one, so it differs.
    assert tokens[0].expiration == START + timedelta(seconds=1) + TOKEN_LIFETIME


def test_a_cancelled_caller_does_not_cancel_the_refresh(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    async def main() -> None:
        source.hold = True
        first = asyncio.create_task(aprovider.token())
        await _wait_for(source.signing)
        second = asyncio.create_task(aprovider.token())
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        source.release.set()
        token = await asyncio.wait_for(second, WAIT)
        assert_valid(token, clock())

    asyncio.run(main())
    assert source.resolved == 1


def test_one_provider_serves_several_event_loops(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    """Threads each running their own loop, all at one expiry: one signing between them."""
    loops = 8
    start = threading.Barrier(loops)
    seen: list[str] = []

    async def caller() -> None:
        tokens = await asyncio.gather(*(aprovider.token() for _ in range(50)))
        seen.extend(token.value for token in tokens)

    def run() -> None:
        start.wait(WAIT)
        asyncio.run(caller())

    asyncio.run(aprovider.token())  # a loop that has closed since
    clock.advance(TOKEN_LIFETIME)
    source.hold = True
    threads = [threading.Thread(target=run) for _ in range(loops)]
    for thread in threads:
        thread.start()
    assert source.signing.wait(WAIT)
    time.sleep(0.2)  # let the other loops join the flight
    source.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert len(seen) == loops * 50
    assert len(set(seen)) == 1
    assert source.resolved == 2


def test_a_flight_whose_loop_ended_is_flown_again_by_the_waiters(
    aprovider: AsyncTokenProvider, source: CountingCredentials, clock: ManualClock
) -> None:
    """A refresh started in a loop that ends before it lands (asyncio.run cancels it):
    a caller waiting in another loop refreshes itself instead of hanging or failing."""
    source.hold = True
    got: list[Token] = []
    joined = threading.Event()

    async def waiting() -> None:
        task = asyncio.create_task(aprovider.token())
        await asyncio.sleep(0.05)
        joined.set()
        got.append(await asyncio.wait_for(task, WAIT))

    waiter = threading.Thread(target=asyncio.run, args=(waiting(),))

    async def abandoning() -> None:
        started = asyncio.create_task(aprovider.token())
        await _wait_for(source.signing)
        waiter.start()
        await _wait_for(joined)
        # Leaving cancels the refresh; the worker thread is let go soon after.
        threading.Timer(0.2, source.release.set).start()
        assert not started.done()

    asyncio.run(abandoning())
    waiter.join(WAIT)
    assert len(got) == 1
    assert_valid(got[0], clock())


def test_the_token_ends_with_the_credentials(clock: ManualClock) -> None:
    ending = AwsCredentials(
        EXAMPLE.access_key_id,
        EXAMPLE.secret_access_key,
        "session-token",
        expiry=START + timedelta(minutes=5),
    )
    provider = AsyncTokenProvider(CLUSTER, credentials=ending, region="us-west-2", clock=clock)
    token = asyncio.run(provider.token())
    assert token.expiration < START + timedelta(minutes=5)
    assert token.expiration > START


def test_a_cached_token_is_used_without_signing(
    source: CountingCredentials, clock: ManualClock, aws_env: AwsEnv
) -> None:
    cache = MemoryTokenCache()
    sync = TokenProvider(CLUSTER, region="us-west-2", clock=clock, cache=cache)
    cached = sync.token()
    provider = AsyncTokenProvider(CLUSTER, region="us-west-2", clock=clock, cache=cache)
    assert asyncio.run(provider.token()) == cached
    renewed = asyncio.run(provider.refresh(rejected=cached))
    assert renewed != cached
    assert cache.get(provider.cache_key(), clock()) == renewed


def test_sharing_a_sync_provider_hands_out_its_token(
    source: CountingCredentials, clock: ManualClock
) -> None:
    sync = TokenProvider(CLUSTER, credentials=source, region="us-west-2", clock=clock)
    shared = AsyncTokenProvider.sharing(sync)
    assert asyncio.run(shared.token()) is sync.token()
    assert shared.sync_provider is sync
    assert source.resolved == 1
    assert "k8s-aws-v1." not in repr(shared)


def test_the_event_loop_runs_while_credential_process_takes_a_second(
    aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore runs a credential_process that sleeps a second; a ticker task meanwhile
    keeps ticking: the loop is never blocked for anything like that second."""
    script = process_script(tmp_path / "proc", expiration=datetime(2099, 1, 1))
    slow = tmp_path / "proc" / "slow.py"
    slow.write_text(f"import time, runpy\ntime.sleep(1)\nrunpy.run_path({str(script)!r})\n")
    add_profile(aws_env, "slow", credential_process=process_command(slow), region="us-west-2")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    provider = AsyncTokenProvider(CLUSTER, profile="slow")

    async def main() -> tuple[float, list[float], Token]:
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        token = await provider.token()
        took = time.perf_counter() - started
        done.set()
        await ticking
        return took, gaps, token

    took, gaps, token = asyncio.run(main())
    assert len(runs(script)) == 1
    assert took >= 1.0
    # Ticks kept coming through the second the process took (about one per 5 ms; a
    # blocked loop would give one gap of a second and a handful of ticks).
    assert len(gaps) > 50
    assert max(gaps) < 0.5
    assert token.value.startswith("k8s-aws-v1.")
