"""The real kubectl runs eks-token from a kubeconfig against a local HTTPS API server that checks
every token itself (signature recomputed with the test's key and its own cluster id)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from eks_token.core.token import API_V1, API_V1BETA1
from tests.support.api_server import ApiServer, Rule
from tests.support.aws_env import AwsEnv
from tests.support.cli import BIN_DIR
from tests.support.kube import Kubectl, WriteKubeconfig

FORMS = {
    "token": ["token", "-i", "my-cluster"],
    "get-token": ["get-token", "--cluster-name", "my-cluster", "--output", "json"],
}


@pytest.fixture
def profile_env(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Credentials only in a named profile, as the README's kubeconfig uses them; the plugin is
    found on PATH by name."""
    aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.credentials_file.write_text(
        f"[team]\naws_access_key_id = {aws_env.access_key_id}\n"
        f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    return {"PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}


def _exec_entry(api_version: str, args: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "apiVersion": api_version,
        "command": "eks-token",
        "args": args,
        "env": [{"name": "AWS_PROFILE", "value": "team"}],
    }
    if api_version == API_V1:
        entry["interactiveMode"] = "Never"
    return entry


@pytest.mark.parametrize("api_version", [API_V1BETA1, API_V1])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_kubectl_authenticates_through_eks_token(
    api_server: ApiServer,
    kubectl: Kubectl,
    write_kubeconfig: WriteKubeconfig,
    profile_env: dict[str, str],
    api_version: str,
    form: str,
) -> None:
    api_server.rules.append(Rule("get", "pods", "default"))
    kubeconfig = write_kubeconfig(
        api_server.url, api_server.ca_data, _exec_entry(api_version, FORMS[form])
    )
    whoami = kubectl.run(kubeconfig, "auth", "whoami", env=profile_env)
    assert whoami.returncode == 0, whoami.stderr
    assert "alice" in whoami.stdout
    can_i = kubectl.run(kubeconfig, "auth", "can-i", "get", "pods", env=profile_env)
    assert (can_i.returncode, can_i.stdout.strip()) == (0, "yes"), can_i.stderr
    denied = kubectl.run(
        kubeconfig, "auth", "can-i", "delete", "pods", "-n", "kube-system", env=profile_env
    )
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
    assert api_server.checks, "the server saw no token"
    assert all(check.ok and check.cluster_id == "my-cluster" for check in api_server.checks)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_token_for_another_cluster_is_unauthorized(
    api_server: ApiServer,
    kubectl: Kubectl,
    write_kubeconfig: WriteKubeconfig,
    profile_env: dict[str, str],
    form: str,
) -> None:
    args = [a if a != "my-cluster" else "other-cluster" for a in FORMS[form]]
    kubeconfig = write_kubeconfig(api_server.url, api_server.ca_data, _exec_entry(API_V1, args))
    result = kubectl.run(kubeconfig, "auth", "whoami", env=profile_env)
    assert result.returncode == 1
    assert "You must be logged in to the server (Unauthorized)" in result.stderr
    assert api_server.checks
    assert not any(check.ok for check in api_server.checks)


def test_heptio_kubeconfig_works_by_changing_only_the_command(
    api_server: ApiServer,
    kubectl: Kubectl,
    write_kubeconfig: WriteKubeconfig,
    profile_env: dict[str, str],
) -> None:
    """The classic guide's entry, with `command: heptio-authenticator-aws` replaced."""
    entry = {
        "apiVersion": API_V1BETA1,
        "command": "eks-token",
        "args": ["token", "-i", "my-cluster"],
        "env": [{"name": "AWS_PROFILE", "value": "team"}],
    }
    kubeconfig = write_kubeconfig(api_server.url, api_server.ca_data, entry)
    result = kubectl.run(
        kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo}", env=profile_env
    )
    assert result.returncode == 0, result.stderr
    assert '"username":"alice"' in result.stdout
