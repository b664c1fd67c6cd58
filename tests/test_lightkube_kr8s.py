"""lightkube and kr8s with eks-token's kubeconfig entries, across token expiries.

Neither library lets a program plug in an httpx auth (lightkube picks its auth from the
kubeconfig user; kr8s builds its session's headers itself), so both run the real
``eks-token`` exec plugin as a child process. The plugin's clock follows the test's: a
``sitecustomize`` on the child's PYTHONPATH moves its time (time-machine) to the moment
written in a file, so tokens are signed and cached as of the simulated time the API
server judges them by.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import kr8s.asyncio
import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.core.exceptions import ConfigError
from lightkube.resources.core_v1 import Pod

from tests.async_clients import PODS, GuardedApiServer, eks_token_kubeconfig, migrated_kubeconfig
from tests.manual_clock import ManualClock
from tests.support.aws_env import AwsEnv

_SITECUSTOMIZE = """\
import os
_clock = os.environ.get("SIMULATED_CLOCK_FILE")
if _clock:
    import time_machine
    from datetime import datetime
    with open(_clock) as _file:
        time_machine.travel(datetime.fromisoformat(_file.read().strip()), tick=False).start()
"""


class SimulatedTime:
    """The test's clock, shared with the API server and with every plugin process."""

    def __init__(self, directory: Path) -> None:
        self.clock = ManualClock(datetime.now(timezone.utc).replace(microsecond=0))
        self.file = directory / "clock"
        self.site = directory / "site"
        self.site.mkdir()
        (self.site / "sitecustomize.py").write_text(_SITECUSTOMIZE)
        self._write()

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self._write()

    def _write(self) -> None:
        self.file.write_text(self.clock().isoformat())


@pytest.fixture
def simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: AwsEnv, eks_token_on_path: str
) -> SimulatedTime:
    time = SimulatedTime(tmp_path)
    monkeypatch.setenv("SIMULATED_CLOCK_FILE", str(time.file))
    monkeypatch.setenv("PYTHONPATH", str(time.site))
    return time


@pytest.fixture
def server(simulated: SimulatedTime) -> Iterator[GuardedApiServer]:
    with GuardedApiServer(now=simulated.clock) as server:
        yield server


def kubeconfig(kind: str, server: GuardedApiServer, tmp_path: Path) -> Path:
    path = tmp_path / "config"
    if kind == "migrated":
        return migrated_kubeconfig(path, server)
    return eks_token_kubeconfig(path, server)


def test_lightkube_refuses_the_v1_entries_eks_token_kubeconfig_writes(
    server: GuardedApiServer, tmp_path: Path
) -> None:
    config = KubeConfig.from_file(kubeconfig("written", server, tmp_path))

    async def main() -> None:
        client = AsyncClient(config=config)
        try:
            with pytest.raises(ConfigError, match=r"client\.authentication\.k8s\.io/v1 not"):
                await client.get(Pod, "x", namespace="default")
        finally:
            await client.close()

    asyncio.run(main())
    assert server.recorded == []


def test_lightkube_with_a_migrated_entry_gets_a_new_token_after_each_401(
    server: GuardedApiServer, simulated: SimulatedTime, tmp_path: Path
) -> None:
    """lightkube runs the plugin once, keeps the token until the server refuses it, then
    runs the plugin again and sends the request once more: the program sees no error."""
    config = KubeConfig.from_file(kubeconfig("migrated", server, tmp_path))

    async def main() -> None:
        client = AsyncClient(config=config)
        try:
            for _ in range(120):
                pods = [pod async for pod in client.list(Pod, namespace="default")]
                assert pods == []
                simulated.advance(timedelta(minutes=1))
        finally:
            await client.close()

    asyncio.run(main())
    tokens = [token for token in server.tokens if token]
    assert len(set(tokens)) == 8  # one per 15 minutes: the token's whole life at the server
    assert server.refused == 7  # each renewal follows a refused request
    assert len(server.recorded) == 120 + server.refused


#: kr8s warns about any Kubernetes version newer than it knows (the stand-in says 1.37).
KR8S_VERSION_WARNING = "ignore:Kubernetes version .* is not supported:UserWarning"


@pytest.mark.filterwarnings(KR8S_VERSION_WARNING)
@pytest.mark.parametrize("kind", ["written", "migrated"])
def test_kr8s_gets_a_new_token_after_each_401(
    kind: str, server: GuardedApiServer, simulated: SimulatedTime, tmp_path: Path
) -> None:
    """kr8s runs the plugin when it starts and again after a 401, then retries: the
    program sees no error, the server a refused request every 15 minutes."""
    path = kubeconfig(kind, server, tmp_path)

    async def main() -> None:
        api = await kr8s.asyncio.api(kubeconfig=str(path))
        for _ in range(120):
            pods = [pod async for pod in kr8s.asyncio.get("pods", namespace="default", api=api)]
            assert pods == []
            simulated.advance(timedelta(minutes=1))

    asyncio.run(main())
    assert server.refused == 7
    assert len({token for token in server.tokens if token}) == 8
    # Each refused listing was sent again (after discovery at the start).
    assert sum(request.path == PODS for request in server.recorded) == 120 + server.refused


@pytest.mark.filterwarnings(KR8S_VERSION_WARNING)
def test_kr8s_runs_the_plugin_again_on_a_403(
    server: GuardedApiServer, simulated: SimulatedTime, tmp_path: Path
) -> None:
    """An RBAC denial is not a stale token, but kr8s treats it as one: the request is
    sent four times, re-authenticating (running the plugin) between each."""
    path = kubeconfig("written", server, tmp_path)

    async def main() -> None:
        api = await kr8s.asyncio.api(kubeconfig=str(path))
        before = len(server.recorded)
        with pytest.raises(kr8s.ServerError):
            async with api.call_api("GET", url="namespaces/kube-system/secrets"):
                pass
        assert len(server.recorded) - before == 4

    asyncio.run(main())
