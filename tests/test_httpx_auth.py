"""HttpxTokenAuth with the real httpx, sync and async, against the local API server that
checks every token's signature and refuses expired ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from eks_token import AsyncTokenProvider, HttpxTokenAuth
from eks_token.core.token import TOKEN_LIFETIME
from eks_token.errors import InvalidInputError
from eks_token.inprocess.provider import DEFAULT_REFRESH_MARGIN, TokenProvider
from eks_token.transport.httpx_auth import cluster_async_client, cluster_client
from tests.async_clients import (
    CLUSTER,
    PODS,
    GuardedApiServer,
    eks_token_kubeconfig,
)
from tests.manual_clock import ManualClock
from tests.support.api_server import ApiServer
from tests.support.aws_env import AwsEnv
from tests.support.local_server import LocalServer, RecordedRequest, Response, Tls

REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
REVIEW = {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1"}


@pytest.fixture
def server_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(server_clock: ManualClock) -> Iterator[GuardedApiServer]:
    with GuardedApiServer(now=server_clock) as server:
        yield server


@pytest.fixture
def aprovider(provider: TokenProvider) -> AsyncTokenProvider:
    return AsyncTokenProvider.sharing(provider)


def sync_client(provider: TokenProvider, server: ApiServer) -> httpx.Client:
    return cluster_client(
        server=server.url, certificate_authority_data=server.ca_pem, provider=provider
    )


def async_client(provider: AsyncTokenProvider, server: ApiServer) -> httpx.AsyncClient:
    return cluster_async_client(
        server=server.url, certificate_authority_data=server.ca_pem, provider=provider
    )


def go_on(clock: ManualClock, server_clock: ManualClock, delta: timedelta) -> None:
    clock.advance(delta)
    server_clock.advance(delta)


def test_a_sync_client_lists_pods_for_two_hours_without_a_401(
    provider: TokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    with sync_client(provider, server) as client:
        for _ in range(120):
            response = client.get(PODS)
            assert response.status_code == 200, response.text
            go_on(clock, server_clock, timedelta(minutes=1))
    assert server.refused == 0
    assert all(check.ok for check in server.checks)
    # A new token every eight minutes: 120 / 8.
    assert provider.refresh_count == 120 // int(
        (TOKEN_LIFETIME - DEFAULT_REFRESH_MARGIN) / timedelta(minutes=1)
    )
    assert len(set(server.tokens)) == provider.refresh_count


def test_an_async_client_lists_pods_for_two_hours_without_a_401(
    aprovider: AsyncTokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    async def main() -> None:
        async with async_client(aprovider, server) as client:
            for _ in range(120):
                response = await client.get(PODS)
                assert response.status_code == 200, response.text
                go_on(clock, server_clock, timedelta(minutes=1))

    asyncio.run(main())
    assert server.refused == 0
    assert len(server.tokens) == 120
    assert len(set(server.tokens)) == aprovider.refresh_count == 15


def test_a_thousand_requests_at_expiry_cause_one_signing(
    aprovider: AsyncTokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    async def main() -> list[int]:
        async with async_client(aprovider, server) as client:
            assert (await client.get(PODS)).status_code == 200
            go_on(clock, server_clock, TOKEN_LIFETIME)
            responses = await asyncio.gather(*(client.get(PODS) for _ in range(1000)))
            return [response.status_code for response in responses]

    assert asyncio.run(main()) == [200] * 1000
    assert aprovider.refresh_count == 2
    assert len(set(server.tokens)) == 2
    assert server.refused == 0


def test_a_storm_of_401s_causes_one_refresh(
    aprovider: AsyncTokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    """The server's clock jumps 16 minutes: the token the provider still thinks fresh is
    refused; 200 requests in flight get 401 and the provider signs once."""

    async def main() -> list[int]:
        async with async_client(aprovider, server) as client:
            assert (await client.get(PODS)).status_code == 200
            clock.advance(timedelta(minutes=5))
            server_clock.advance(timedelta(minutes=16))
            responses = await asyncio.gather(*(client.get(PODS) for _ in range(200)))
            assert all(
                [r.status_code for r in response.history] in ([401], []) for response in responses
            )
            return [response.status_code for response in responses]

    assert asyncio.run(main()) == [200] * 200
    assert aprovider.refresh_count == 2
    assert 1 <= server.refused <= 200
    assert len(set(server.tokens)) == 2


def test_a_401_in_the_sync_client_refreshes_once_and_retries(
    provider: TokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    with sync_client(provider, server) as client:
        assert client.get(PODS).status_code == 200
        clock.advance(timedelta(minutes=5))
        server_clock.advance(timedelta(minutes=16))
        response = client.post(REVIEWS, json=REVIEW)
    assert response.status_code == 201
    assert [r.status_code for r in response.history] == [401]
    first, rejected, retried = server.recorded
    assert rejected.token == first.token != retried.token
    assert rejected.body == retried.body
    assert json.loads(retried.body) == REVIEW
    assert provider.refresh_count == 2


def test_a_second_401_reaches_the_caller(
    aprovider: AsyncTokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    async def main() -> httpx.Response:
        async with async_client(aprovider, server) as client:
            await client.get(PODS)
            clock.advance(timedelta(minutes=5))
            server_clock.advance(timedelta(hours=1))
            return await client.get(PODS)

    response = asyncio.run(main())
    assert response.status_code == 401
    assert [r.status_code for r in response.history] == [401]
    assert len(server.recorded) == 3
    assert aprovider.refresh_count == 2


def test_a_403_is_no_reason_to_refresh(
    provider: TokenProvider, aprovider: AsyncTokenProvider, server: GuardedApiServer
) -> None:
    with sync_client(provider, server) as client:
        assert client.get(server.forbidden_path).status_code == 403

    async def main() -> int:
        async with async_client(aprovider, server) as client:
            return (await client.get(server.forbidden_path)).status_code

    assert asyncio.run(main()) == 403
    assert len(server.recorded) == 2
    assert provider.refresh_count == 1


def test_a_streamed_body_is_not_replayed(
    aprovider: AsyncTokenProvider,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    data = json.dumps(REVIEW).encode()

    async def body() -> AsyncIterator[bytes]:
        yield data

    async def main() -> httpx.Response:
        async with async_client(aprovider, server) as client:
            await client.get(PODS)
            clock.advance(timedelta(minutes=5))
            server_clock.advance(timedelta(minutes=16))
            headers = {"Content-Length": str(len(data))}
            return await client.post(REVIEWS, content=body(), headers=headers)

    response = asyncio.run(main())
    assert response.status_code == 401
    assert response.history == []
    assert len(server.recorded) == 2
    assert aprovider.refresh_count == 1


class Elsewhere(LocalServer):
    """Another origin: records what it is sent, answers 401 to everything."""

    def respond(self, request: RecordedRequest) -> Response:
        return Response.json(401, {"reason": "Unauthorized"})


def test_the_token_goes_to_the_cluster_origin_only(
    provider: TokenProvider, aprovider: AsyncTokenProvider, server: GuardedApiServer
) -> None:
    with Elsewhere() as other:
        with sync_client(provider, server) as client:
            # The same host on another port (and scheme) is another origin.
            assert client.get(other.url + "/x").status_code == 401

        async def main() -> int:
            async with async_client(aprovider, server) as client:
                return (await client.get(other.url + "/y")).status_code

        assert asyncio.run(main()) == 401
        assert [request.header("authorization") for request in other.recorded] == [None, None]
    assert provider.refresh_count == 0


def test_a_redirect_elsewhere_is_followed_without_the_token(
    provider: TokenProvider, server: GuardedApiServer
) -> None:
    with Elsewhere() as other:
        server.redirect_to = other.url + "/landing"
        with sync_client(provider, server) as client:
            response = client.get(server.redirect_path, follow_redirects=True)
        assert response.status_code == 401
        assert [r.status_code for r in response.history] == [302]
        assert other.recorded[0].header("authorization") is None
    # The 401 came from elsewhere, to a request without the token: no refresh.
    assert provider.refresh_count == 1


def test_the_client_trusts_the_cluster_ca_only(
    provider: TokenProvider,
    server: GuardedApiServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(server.ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    other_ca = Tls().ca_pem
    with (
        cluster_client(
            server=server.url, certificate_authority_data=other_ca, provider=provider
        ) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get(PODS)
    assert server.recorded == []


def test_a_kubeconfig_context_written_by_eks_token(
    aws_env: AwsEnv,
    server: GuardedApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
    tmp_path: Path,
) -> None:
    path = eks_token_kubeconfig(tmp_path / "config", server)

    async def main() -> None:
        async with cluster_async_client(kubeconfig=str(path), clock=clock) as client:
            for _ in range(30):
                assert (await client.get(PODS)).status_code == 200
                go_on(clock, server_clock, timedelta(minutes=1))

    asyncio.run(main())
    assert server.refused == 0
    assert len(set(server.tokens)) == 4


def test_a_cluster_name_and_a_context_together_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="not both"):
        cluster_client(CLUSTER, context="prod")


def test_the_auth_never_shows_the_token(provider: TokenProvider) -> None:
    auth = HttpxTokenAuth(provider, server="https://cluster.test")
    assert provider.token().value not in repr(auth)
    with pytest.raises(InvalidInputError):
        HttpxTokenAuth(provider, server="ftp://cluster.test")


def test_one_auth_serves_a_client_and_an_async_client(
    provider: TokenProvider, server: GuardedApiServer
) -> None:
    auth = HttpxTokenAuth(provider, server=server.url)
    ca = server.ca_pem.decode()
    import ssl

    context = ssl.create_default_context(cadata=ca)
    with httpx.Client(auth=auth, verify=context) as client:
        assert client.get(server.url + PODS).status_code == 200

    async def main() -> int:
        async with httpx.AsyncClient(auth=auth, verify=context) as client:
            return (await client.get(server.url + PODS)).status_code

    assert asyncio.run(main()) == 200
    assert provider.refresh_count == 1
    assert len(set(server.tokens)) == 1


def test_a_cluster_name_takes_endpoint_and_ca_from_describe_cluster(
    aws_env: AwsEnv, clock: ManualClock, server: GuardedApiServer
) -> None:
    from moto import mock_aws

    from tests.test_kubernetes_client import create_moto_cluster, plant_ca

    with mock_aws():
        created = create_moto_cluster("dev")
        plant_ca(created["arn"], "dev", server.ca_pem)
        client = cluster_async_client("dev", clock=clock)
    endpoint = created["endpoint"].rstrip("/")
    assert str(client.base_url).rstrip("/") == endpoint.lower()
    assert isinstance(client.auth, HttpxTokenAuth)
    assert client.auth.server == endpoint
    assert client.auth.provider.cluster_id == "dev"
    asyncio.run(client.aclose())
