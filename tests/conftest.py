from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import kube
from tests.support.api_server import ApiServer
from tests.support.sts_standin import StsStandin

EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EXAMPLE_REGION = "us-west-2"


@dataclass(frozen=True)
class AwsEnv:
    home: Path
    config_file: Path
    credentials_file: Path
    access_key_id: str
    secret_access_key: str
    region: str


@pytest.fixture
def home_dir(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home_dir: Path) -> AwsEnv:
    """A clean AWS environment with the documented example keys; config files are in tmp
    and exist only if the test writes them."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name in ("KUBECONFIG", "KUBERNETES_EXEC_INFO"):
            monkeypatch.delenv(name)
    env = AwsEnv(
        home=home_dir,
        config_file=tmp_path / "aws" / "config",
        credentials_file=tmp_path / "aws" / "credentials",
        access_key_id=EXAMPLE_ACCESS_KEY_ID,
        secret_access_key=EXAMPLE_SECRET_ACCESS_KEY,
        region=EXAMPLE_REGION,
    )
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(env.config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(env.credentials_file))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", env.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", env.secret_access_key)
    monkeypatch.setenv("AWS_REGION", env.region)
    return env


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
def kubectl(home_dir: Path) -> kube.Kubectl:
    """The real kubectl (`.path`); `.run(kubeconfig, *args)` returns the CompletedProcess."""
    return kube.Kubectl(kube.kubectl_path(), home_dir)


WriteKubeconfig = Callable[[str, str, Mapping[str, Any]], Path]


@pytest.fixture
def write_kubeconfig(tmp_path: Path) -> WriteKubeconfig:
    """`write_kubeconfig(server_url, ca_data, exec_entry) -> Path` of a one-cluster kubeconfig."""

    def write(server_url: str, ca_data: str, exec_entry: Mapping[str, Any]) -> Path:
        return kube.write_kubeconfig(tmp_path / "kubeconfig", server_url, ca_data, exec_entry)

    return write


@pytest.fixture
def static_plugin(tmp_path: Path) -> kube.StaticPlugin:
    """An exec plugin printing the token given to `set_token`; `exec_entry(api_version)`."""
    return kube.StaticPlugin(tmp_path / "plugin")
