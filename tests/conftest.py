from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from eks_token.inprocess.provider import TokenProvider
from tests.manual_clock import ManualClock
from tests.provider_helpers import CLUSTER, EXAMPLE
from tests.support import go_oracle, kube
from tests.support.api_server import ApiServer
from tests.support.aws_env import AwsEnv, isolate_aws_env
from tests.support.moto_server import MotoServer
from tests.support.sts_standin import StsStandin

# No example database; in CI (CI set) the same examples on every run. Hypothesis's other
# files (its constants cache) go to the ignored .cache/, not to the working directory.
set_hypothesis_home_dir(go_oracle.REPO_ROOT / ".cache" / "hypothesis")
settings.register_profile("eks-token", database=None)
settings.register_profile("ci", database=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "eks-token")

#: Set (as .ci/run does) to fail, not skip, when the Go reference signer cannot be built.
REQUIRE_GO_ENV = "EKS_TOKEN_TESTS_REQUIRE_GO"


@pytest.fixture
def home_dir(tmp_path: Path) -> Path:
    """The HOME of the test and of every kubectl it runs."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home_dir: Path) -> AwsEnv:
    """A clean AWS environment with the documented example keys and AWS_REGION=us-west-2."""
    return isolate_aws_env(monkeypatch, home_dir, tmp_path / "aws")


@pytest.fixture
def sts_standin() -> Iterator[StsStandin]:
    """A plain-HTTP STS stand-in with the default identities; `StsStandin(https=True)` for TLS."""
    with StsStandin() as standin:
        yield standin


@pytest.fixture
def api_server() -> Iterator[ApiServer]:
    """An HTTPS API server for cluster id `my-cluster` that maps the example key to `alice`."""
    with ApiServer() as server:
        yield server


@pytest.fixture
def moto_server() -> Iterator[MotoServer]:
    """moto's server on 127.0.0.1 (no endpoint set: pass `.url`); stops after the test."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def moto_sts(
    aws_env: AwsEnv, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> MotoServer:
    """`moto_server` answering STS calls (AWS_ENDPOINT_URL_STS) in the test's AWS env."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_server.url)
    return moto_server


@pytest.fixture
def moto_eks(moto_sts: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """`moto_sts` answering EKS calls too (AWS_ENDPOINT_URL_EKS)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", moto_sts.url)
    return moto_sts


@pytest.fixture
def kubectl(home_dir: Path) -> kube.Kubectl:
    """The real kubectl (`.path`); `.run(kubeconfig, *args)` returns the CompletedProcess."""
    return kube.Kubectl(kube.kubectl_path(), home_dir)


@pytest.fixture
def write_kubeconfig(tmp_path: Path) -> kube.WriteKubeconfig:
    """`write_kubeconfig(server_url, ca_data, exec_entry) -> Path` of a one-cluster kubeconfig."""

    def write(server_url: str, ca_data: str, exec_entry: Mapping[str, Any]) -> Path:
        return kube.write_kubeconfig(tmp_path / "kubeconfig", server_url, ca_data, exec_entry)

    return write


@pytest.fixture
def static_plugin(tmp_path: Path) -> kube.StaticPlugin:
    """An exec plugin printing the token given to `set_token`; `exec_entry(api_version)`."""
    return kube.StaticPlugin(tmp_path / "plugin")


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test moves it."""
    return ManualClock()


@pytest.fixture
def provider(aws_env: AwsEnv, clock: ManualClock) -> TokenProvider:
    """A provider for `my-cluster` with the example keys in us-west-2, on `clock`."""
    return TokenProvider(CLUSTER, credentials=EXAMPLE, region="us-west-2", clock=clock)


@pytest.fixture
def no_plugins_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With an empty PATH none of the token tools can be started: tokens must be made here."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture(scope="session")
def go_presign() -> Path:
    """The Go reference presigner (tests/oracles/go-presign), built once into .cache/."""
    try:
        return go_oracle.go_presign_binary()
    except go_oracle.GoOracleUnavailable as missing:
        if os.environ.get(REQUIRE_GO_ENV):
            pytest.fail(f"{missing} and {REQUIRE_GO_ENV} is set")
        pytest.skip(str(missing))


@pytest.fixture
def eks_token_on_path(monkeypatch: pytest.MonkeyPatch) -> str:
    """The venv's bin directory (with `eks-token`) first on PATH, as after activating it;
    returns the new PATH."""
    from tests.support.cli import BIN_DIR

    path = f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"
    monkeypatch.setenv("PATH", path)
    return path
