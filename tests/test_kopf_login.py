"""kopf_connection_info in a real kopf login handler: kopf's own authentication activity,
credentials vault and API client, against the local API server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import kopf
import pytest
from kopf._cogs.clients import api as kopf_api
from kopf._cogs.clients import auth as kopf_auth
from kopf._cogs.structs import credentials
from kopf._core.engines import activities

from eks_token import AsyncTokenProvider
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN
from eks_token.transport.kopf_login import kopf_connection_info
from tests.async_clients import PODS, GuardedApiServer
from tests.manual_clock import ManualClock
from tests.provider_helpers import CLUSTER, EXAMPLE

LOGGER = logging.getLogger("test.kopf")


@pytest.fixture
def clock() -> ManualClock:
    # kopf judges `expiration` by the real clock: the test's clock starts at the real time.
    return ManualClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def server(clock: ManualClock) -> Iterator[GuardedApiServer]:
    with GuardedApiServer(now=clock) as server:
        yield server


@pytest.fixture
def aprovider(clock: ManualClock) -> AsyncTokenProvider:
    return AsyncTokenProvider(CLUSTER, credentials=EXAMPLE, region="us-west-2", clock=clock)


async def run_operator(
    server: GuardedApiServer, aprovider: AsyncTokenProvider, clock: ManualClock, minutes: int
) -> list[kopf.ConnectionInfo]:
    """kopf's authenticator with one login handler; lists pods once a "minute"."""
    registry = kopf.OperatorRegistry()
    logins: list[kopf.ConnectionInfo] = []

    @kopf.on.login(registry=registry)
    async def login(**_: Any) -> kopf.ConnectionInfo:
        info = await kopf_connection_info(
            server=server.url, certificate_authority_data=server.ca_pem, provider=aprovider
        )
        logins.append(info)
        return info

    settings = kopf.OperatorSettings()
    vault = credentials.Vault()
    kopf_auth.vault_var.set(vault)
    authenticator = asyncio.create_task(
        activities.authenticator(
            registry=registry,
            settings=settings,
            indices={},
            vault=vault,
            memo=cast(Any, kopf.Memo()),
        )
    )
    try:
        for _ in range(minutes):
            pods = await asyncio.wait_for(kopf_api.get(PODS, settings=settings, logger=LOGGER), 30)
            assert pods["kind"] == "PodList"
            clock.advance(timedelta(minutes=1))
    finally:
        authenticator.cancel()
        await asyncio.gather(authenticator, return_exceptions=True)
        await vault.close()
    return logins


def test_an_operator_keeps_working_past_expiry(
    server: GuardedApiServer, aprovider: AsyncTokenProvider, clock: ManualClock
) -> None:
    """The test's clock runs far ahead of kopf's: kopf never sees `expiration` pass, so each
    token lasts until the server refuses it; kopf logs in again after that 401 and the
    handler hands it a new token."""
    logins = asyncio.run(run_operator(server, aprovider, clock, 60))
    tokens = [info.token for info in logins]
    assert len(tokens) == len(set(tokens)) >= 4
    assert server.refused == len(logins) - 1
    # Every refused request was sent again with the next token and succeeded.
    assert len(server.recorded) == 60 + server.refused
    assert all(info.scheme == "Bearer" and info.server == server.url for info in logins)


def test_the_connection_info(
    server: GuardedApiServer, aprovider: AsyncTokenProvider, clock: ManualClock
) -> None:
    async def main() -> tuple[kopf.ConnectionInfo, kopf.ConnectionInfo]:
        kwargs: dict[str, Any] = {
            "server": server.url,
            "certificate_authority_data": server.ca_pem,
            "provider": aprovider,
        }
        first = await kopf_connection_info(**kwargs)
        # kopf asks again only for credentials that ended or were refused: a new token.
        return first, await kopf_connection_info(**kwargs)

    first, second = asyncio.run(main())
    token = aprovider.sync_provider.token()
    assert second.token == token.value != first.token
    assert second.expiration == token.expiration - DEFAULT_REFRESH_MARGIN
    assert first.ca_data == server.ca_pem.decode()
    assert aprovider.refresh_count == 2
