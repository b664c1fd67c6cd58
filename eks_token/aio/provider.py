"""A token that stays fresh in an asyncio program: the event-loop twin of TokenProvider.

:class:`AsyncTokenProvider` keeps its token in a
:class:`~eks_token.inprocess.provider.TokenProvider` and decides freshness as that does
(:func:`~eks_token.inprocess.provider.freshness`). What differs is the waiting:

* botocore's credential resolution (SSO, instance metadata, the container endpoint,
  ``credential_process``, AssumeRole, the AWS CLI cache) and the token cache's file I/O
  run in a worker thread, so the event loop never blocks on them; presigning (a few
  microseconds of CPU) runs in the loop;
* one refresh at a time (a *flight*): any number of callers awaiting around an expiry
  share it; while the old token is still valid, callers other than the one refreshing
  do not wait at all;
* no asyncio lock: a threading lock held only to look at or start a flight, and a
  future every caller awaits from its own loop, so one provider serves several event
  loops (threads running their own ``asyncio.run``).

The flight runs as a task in the loop of the caller that started it, so a caller
cancelled while waiting does not cancel the refresh for the others; if that loop ends
first, the callers still waiting start another flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from eks_token.clock import Clock, utc_now
from eks_token.core.signing import sign_token
from eks_token.errors import EksTokenError
from eks_token.inprocess.provider import (
    DEFAULT_REFRESH_MARGIN,
    FRESH,
    STALE,
    TokenProvider,
    freshness,
)

if TYPE_CHECKING:
    from typing import Unpack

    from botocore.session import Session

    from eks_token.aws.signer import TokenSigner
    from eks_token.cache.interface import TokenCache
    from eks_token.cache.key import CacheKey
    from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource
    from eks_token.core.options import SignerOptionArgs
    from eks_token.core.token import Token

__all__ = ["AsyncTokenProvider"]


class _Flight:
    """One refresh in progress: the future every waiter awaits, and the task doing it."""

    __slots__ = ("future", "task", "use_cache")

    def __init__(self, use_cache: bool) -> None:
        self.use_cache = use_cache
        self.future: concurrent.futures.Future[Token] = concurrent.futures.Future()
        self.task: asyncio.Task[None] | None = None


class AsyncTokenProvider:
    """The current token for one cluster and one AWS identity, for coroutines.

    Takes what :class:`~eks_token.inprocess.provider.TokenProvider` takes (``signer``, or
    the options to build one: ``region``, ``profile``, ``session``, ``credentials``,
    ``role_arn``, ``external_id``, ``session_name``, ``forward_session_name``,
    ``sts_endpoint_url``; and ``cache``, ``margin``, ``clock``). :meth:`sharing` puts an
    asyncio face on an existing ``TokenProvider`` instead: both then hand out one token.
    """

    def __init__(
        self,
        cluster_id: str,
        *,
        signer: TokenSigner | None = None,
        cache: TokenCache | None = None,
        margin: timedelta = DEFAULT_REFRESH_MARGIN,
        clock: Clock = utc_now,
        session: Session | None = None,
        credentials: AwsCredentials | FrozenCredentialSource | None = None,
        **options: Unpack[SignerOptionArgs],
    ) -> None:
        self._state = TokenProvider(
            cluster_id,
            signer=signer,
            cache=cache,
            margin=margin,
            clock=clock,
            session=session,
            credentials=credentials,
            **options,
        )
        self._guard = threading.Lock()
        self._flight: _Flight | None = None

    @classmethod
    def sharing(cls, provider: TokenProvider) -> AsyncTokenProvider:
        """An ``AsyncTokenProvider`` that keeps its token in ``provider`` (for threads)."""
        made = cls.__new__(cls)
        made._state = provider
        made._guard = threading.Lock()
        made._flight = None
        return made

    def __repr__(self) -> str:
        state = self._state
        return (
            f"AsyncTokenProvider(cluster_id={state.cluster_id!r}, margin={state.margin}, "
            f"refresh_count={state.refresh_count})"
        )

    @property
    def sync_provider(self) -> TokenProvider:
        """The ``TokenProvider`` holding this provider's token, for code in threads."""
        return self._state

    @property
    def cluster_id(self) -> str:
        return self._state.cluster_id

    @property
    def signer(self) -> TokenSigner:
        return self._state.signer

    @property
    def cache(self) -> TokenCache | None:
        return self._state.cache

    @property
    def margin(self) -> timedelta:
        return self._state.margin

    @property
    def clock(self) -> Clock:
        return self._state.clock

    @property
    def refresh_count(self) -> int:
        """How many times a new token was fetched (signed or from the cache)."""
        return self._state.refresh_count

    def cache_key(self) -> dict[str, str]:
        """Key material for a token cache (:meth:`TokenProvider.cache_key`)."""
        return self._state.cache_key()

    def invalidate(self) -> None:
        """Forget the current token; the next :meth:`token` fetches a new one."""
        self._state.invalidate()

    async def token(self) -> Token:
        """The current token, refreshed first when fewer than :attr:`margin` are left.

        Within the margin, the first caller refreshes and the others get the current
        token at once; a failed refresh is logged and the still-valid token returned.
        Once it has expired, every caller awaits the one refresh, and its failure is
        raised to all of them.
        """
        state = self._state
        current = state._token
        if current is not None and freshness(current, state.clock(), state.margin) == FRESH:
            return current
        while True:
            with self._guard:
                now = state.clock()
                current = state._token
                standing = freshness(current, now, state.margin)
                if current is not None and standing == FRESH:
                    return current
                if current is not None and standing == STALE and self._flight is not None:
                    return current  # someone is refreshing; this one is still valid
                flight = self._flight or self._launch(True, now)
            if current is not None and standing == STALE:
                try:
                    token = await self._wait(flight)
                except EksTokenError as exc:
                    state._log_failed_refresh(current, now, exc)
                    return current
                return token if token is not None else current
            token = await self._wait(flight)
            if token is not None:
                return token

    async def refresh(self, rejected: Token | str | None = None) -> Token:
        """Sign a new token now, bypassing the cache; for a token the server refused.

        With ``rejected`` (the token or its value) already replaced, the current token is
        returned: any number of callers reporting one rejected token cause one signing.
        The new token always differs from the current one (see
        :meth:`TokenProvider.refresh`).
        """
        rejected_value = (
            rejected if rejected is None or isinstance(rejected, str) else rejected.value
        )
        state = self._state
        while True:
            with self._guard:
                current = state._token
                if (
                    rejected_value is not None
                    and current is not None
                    and current.value != rejected_value
                ):
                    return current
                flight = self._flight or self._launch(False, state._new_signing_time(current))
            token = await self._wait(flight)
            if token is not None and not flight.use_cache and token.value != rejected_value:
                return token

    def _launch(self, use_cache: bool, now: datetime) -> _Flight:
        """Start a refresh in the running loop (called with the guard held)."""
        flight = _Flight(use_cache)
        flight.task = asyncio.get_running_loop().create_task(self._fly(flight, now))
        self._flight = flight
        return flight

    async def _fly(self, flight: _Flight, now: datetime) -> None:
        state = self._state
        try:
            key: CacheKey | None = None
            token: Token | None = None
            if state.cache is not None:
                key, token = await asyncio.to_thread(state._cached, now, use_cache=flight.use_cache)
            if token is None:
                credentials, endpoint = await asyncio.to_thread(state.signer.signing_inputs, now)
                token = sign_token(state.cluster_id, credentials, endpoint, now)
                if state.cache is not None:
                    await asyncio.to_thread(state._store, key, token)
        except BaseException as exc:
            with self._guard:
                if self._flight is flight:
                    self._flight = None
            if not isinstance(exc, Exception):
                flight.future.cancel()  # abandoned (its loop is ending): waiters fly again
                raise
            flight.future.set_exception(exc)
            return
        with self._guard:
            state._adopt(token)
            if self._flight is flight:
                self._flight = None
        flight.future.set_result(token)

    @staticmethod
    async def _wait(flight: _Flight) -> Token | None:
        """The flight's token, awaited from this loop; None when the flight was abandoned.

        Cancelling the caller cancels only its own wait, never the flight.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Token | None] = loop.create_future()

        def landed(done: concurrent.futures.Future[Token]) -> None:
            with contextlib.suppress(RuntimeError):  # the waiting loop has closed
                loop.call_soon_threadsafe(_settle, waiter, done)

        flight.future.add_done_callback(landed)
        return await waiter


def _settle(waiter: asyncio.Future[Token | None], done: concurrent.futures.Future[Token]) -> None:
    if waiter.done():  # the waiting caller was cancelled
        return
    if done.cancelled():
        waiter.set_result(None)
        return
    error = done.exception()
    if error is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(done.result())
