"""One rejected token, many threads: the provider signs once, and the new token differs."""

from __future__ import annotations

import threading

from eks_token.core.token import Token
from eks_token.inprocess.provider import TokenProvider
from tests.manual_clock import ManualClock
from tests.provider_helpers import assert_valid

THREADS = 64
WAIT = 30  # a guard against a hung test only


def _refresh_from_threads(provider: TokenProvider, rejected: Token | str) -> list[Token]:
    start = threading.Barrier(THREADS)
    answers: list[Token] = []
    lock = threading.Lock()

    def refresh() -> None:
        start.wait(WAIT)
        token = provider.refresh(rejected=rejected)
        with lock:
            answers.append(token)

    threads = [threading.Thread(target=refresh) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    return answers


def test_64_threads_refreshing_within_the_signing_second_sign_once(
    provider: TokenProvider, clock: ManualClock
) -> None:
    rejected = provider.token()
    assert provider.refresh_count == 1
    answers = _refresh_from_threads(provider, rejected)
    assert len(answers) == THREADS
    assert provider.refresh_count == 2
    assert {token.value for token in answers} == {provider.token().value}
    assert answers[0].value != rejected.value
    assert_valid(answers[0], clock())


def test_the_rejected_value_as_text_is_enough(provider: TokenProvider) -> None:
    rejected = provider.token()
    answers = _refresh_from_threads(provider, rejected.value)
    assert provider.refresh_count == 2
    assert {token.value for token in answers} == {answers[0].value} != {rejected.value}


def test_a_refresh_without_a_rejected_token_still_gives_a_new_token(
    provider: TokenProvider,
) -> None:
    first = provider.token()
    assert provider.refresh().value != first.value
