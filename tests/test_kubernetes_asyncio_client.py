"""kubernetes_asyncio_api_client with the real kubernetes_asyncio, against the local API
server that checks each token and refuses expired ones."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient, CoreV1Api
from kubernetes_asyncio.client.exceptions import ApiException

from eks_token import AsyncTokenProvider
from eks_token.core.token import TOKEN_LIFETIME
from eks_token.inprocess.provider import TokenProvider
from eks_token.transport.kubernetes_asyncio_client import kubernetes_asyncio_api_client
from tests.async_clients import GuardedApiServer, eks_token_kubeconfig, migrated_kubeconfig
from tests.manual_clock import ManualClock
from tests.support.aws_env import AwsEnv
from tests.support.local_server import Tls


@pytest.fixture
def server(clock: ManualClock) -> Iterator[GuardedApiServer]:
    with GuardedApiServer(now=clock) as server:
        yield server


async def list_pods_for_two_hours(client: ApiClient, clock: ManualClock) -> None:
    api = CoreV1Api(client)
    for _ in range(120):
        pods = await api.list_namespaced_pod("default")
        assert pods.items == []
        clock.advance(timedelta(minutes=1))


def test_a_program_lists_pods_for_two_hours_without_a_401(
    provider: TokenProvider, server: GuardedApiServer, clock: ManualClock
) -> None:
    async def main() -> None:
        async with await kubernetes_asyncio_api_client(
            server=server.url, certificate_authority_data=server.ca_pem, provider=provider
        ) as client:
            # Nothing runs behind the program's back: no refresh task to start or forget.
            assert asyncio.all_tasks() == {asyncio.current_task()}
            await list_pods_for_two_hours(client, clock)

    asyncio.run(main())
    assert server.refused == 0
    assert len(server.recorded) == 120
    assert len(set(server.tokens)) == provider.refresh_count == 15


@pytest.mark.parametrize(
    "written_by", ["eks-token kubeconfig", "eks-token kubeconfig --shared-user", "migrated"]
)
@pytest.mark.usefixtures("no_plugins_on_path")
def test_kubeconfig_entries_of_eks_token(
    written_by: str,
    aws_env: AwsEnv,
    server: GuardedApiServer,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    path = tmp_path / "config"
    if written_by == "migrated":
        migrated_kubeconfig(path, server)
    else:
        eks_token_kubeconfig(path, server, shared_user=written_by.endswith("--shared-user"))

    async def main() -> None:
        client = await kubernetes_asyncio_api_client(kubeconfig=str(path), clock=clock)
        async with client:
            await list_pods_for_two_hours(client, clock)

    asyncio.run(main())
    assert server.refused == 0
    assert len(set(server.tokens)) == 15


def test_the_client_trusts_the_cluster_ca_only(
    provider: TokenProvider, server: GuardedApiServer
) -> None:
    async def main() -> None:
        async with await kubernetes_asyncio_api_client(
            server=server.url, certificate_authority_data=Tls().ca_pem, provider=provider
        ) as client:
            with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
                await CoreV1Api(client).list_namespaced_pod("default")

    asyncio.run(main())
    assert server.recorded == []


def test_the_ca_file_goes_with_the_client(
    provider: TokenProvider, server: GuardedApiServer
) -> None:
    async def main() -> str:
        client = await kubernetes_asyncio_api_client(
            server=server.url, certificate_authority_data=server.ca_pem, provider=provider
        )
        path = client.configuration.ssl_ca_cert
        assert path is not None
        assert Path(path).read_bytes() == server.ca_pem
        assert os.stat(Path(path).parent).st_mode & 0o077 == 0
        await client.close()
        return path

    path = asyncio.run(main())
    gc.collect()
    assert not Path(path).parent.exists()


def test_a_token_the_server_refuses_reaches_the_program(
    server: GuardedApiServer, clock: ManualClock, aws_env: AwsEnv
) -> None:
    """kubernetes_asyncio does not retry a 401; the provider keeps tokens from getting there
    (refreshed six minutes ahead), but a server that disagrees is reported, not hidden."""
    provider = AsyncTokenProvider("my-cluster", region="us-west-2", clock=clock)

    async def main() -> None:
        async with await kubernetes_asyncio_api_client(
            server=server.url, certificate_authority_data=server.ca_pem, provider=provider
        ) as client:
            api = CoreV1Api(client)
            await api.list_namespaced_pod("default")
            server.now = lambda: clock() + TOKEN_LIFETIME + timedelta(minutes=2)
            with pytest.raises(ApiException) as caught:
                await api.list_namespaced_pod("default")
            assert caught.value.status == 401

    asyncio.run(main())
