"""`eks-token kubeconfig migrate`, and kubectl authenticating through written and migrated files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from moto import mock_aws

from eks_token.cli.main import main
from tests.kubeconfig_helpers import (
    ROLE_ARN,
    AssumedRoleKeys,
    AssumedRoleUsers,
    create_cluster,
    plugin_env,
    read_yaml,
    user_exec,
)
from tests.support.api_server import ApiServer
from tests.support.aws_env import AwsEnv
from tests.support.cli import run_aws
from tests.support.kube import Kubectl, write_kubeconfig
from tests.support.moto_server import MotoServer

# eks-token on PATH, as after activating its virtualenv: no warning about the command.
pytestmark = pytest.mark.usefixtures("eks_token_on_path")


def whoami(kubectl: Kubectl, config: Path, **env: str) -> str:
    result = kubectl.run(config, "auth", "whoami", "-o", "json", env=plugin_env(env))
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["status"]["userInfo"]["username"])


def migrate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["kubeconfig", "migrate", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- kubectl through entries eks-token kubeconfig wrote -------------------------------------


def test_kubectl_authenticates_through_the_written_entry_and_the_shared_user(
    aws_env: AwsEnv,
    api_server: ApiServer,
    kubectl: Kubectl,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    per_cluster, shared = tmp_path / "per-cluster", tmp_path / "one-user"
    with mock_aws():
        create_cluster("my-cluster", server_url=api_server.url, ca_data=api_server.ca_data)
        assert main(["kubeconfig", "--name", "my-cluster", "--kubeconfig", str(per_cluster)]) == 0
        argv = ["kubeconfig", "--name", "my-cluster", "--shared-user", "--kubeconfig", str(shared)]
        assert main(argv) == 0
    capsys.readouterr()
    assert whoami(kubectl, per_cluster) == "alice"
    assert whoami(kubectl, shared) == "alice"
    assert len(api_server.checks) >= 2
    assert all(check.ok for check in api_server.checks)


def test_shared_user_without_the_extension_is_a_clear_kubectl_error(
    aws_env: AwsEnv,
    api_server: ApiServer,
    kubectl: Kubectl,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shared = tmp_path / "one-user"
    with mock_aws():
        create_cluster("my-cluster", server_url=api_server.url, ca_data=api_server.ca_data)
        argv = ["kubeconfig", "--name", "my-cluster", "--shared-user", "--kubeconfig", str(shared)]
        assert main(argv) == 0
    document = read_yaml(shared)
    del document["clusters"][0]["cluster"]["extensions"]
    shared.write_text(yaml.safe_dump(document))
    result = kubectl.run(shared, "auth", "whoami", env=plugin_env())
    assert result.returncode != 0
    assert "error: no cluster id" in result.stderr
    assert api_server.tokens == []


# --- migration ---------------------------------------------------------------------------------


def seed_kubeconfig(path: Path, server: ApiServer, exec_entry: dict[str, Any]) -> Path:
    return write_kubeconfig(path, server.url, server.ca_data, exec_entry, name="seed")


def test_migrates_the_heptio_kubeconfig_of_old_guides(
    aws_env: AwsEnv,
    api_server: ApiServer,
    kubectl: Kubectl,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.credentials_file.write_text(
        f"[team]\naws_access_key_id = {aws_env.access_key_id}\n"
        f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    )
    entry = {
        "apiVersion": "client.authentication.k8s.io/v1alpha1",
        "command": "heptio-authenticator-aws",
        "args": ["token", "-i", "my-cluster"],
        "env": [{"name": "AWS_PROFILE", "value": "team"}],
    }
    config = seed_kubeconfig(tmp_path / "kc", api_server, entry)
    before = config.read_text()
    code, out, err = migrate(capsys, "--kubeconfig", str(config), "--dry-run")
    assert (code, err) == (0, "")
    assert config.read_text() == before
    assert out == (
        f"{config}: user seed: heptio-authenticator-aws token -i my-cluster -> "
        "eks-token token -i my-cluster; apiVersion client.authentication.k8s.io/v1alpha1 -> "
        "client.authentication.k8s.io/v1beta1\n"
        "dry run: 1 user(s) would change; nothing written\n"
    )
    code, out, _ = migrate(capsys, "--kubeconfig", str(config))
    assert code == 0
    assert out.endswith("migrated 1 user(s)\n")
    migrated = user_exec(read_yaml(config), "seed")
    assert migrated == {
        "provideClusterInfo": False,
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "eks-token",
        "args": ["token", "-i", "my-cluster"],
        "env": [{"name": "AWS_PROFILE", "value": "team"}],
    }
    assert whoami(kubectl, config, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="") == "alice"
    assert migrate(capsys, "--kubeconfig", str(config))[1] == f"nothing to migrate in {config}\n"


def test_migrates_authenticator_entries_with_a_role(
    aws_env: AwsEnv, kubectl: Kubectl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "/usr/local/bin/aws-iam-authenticator",
        "args": ["token", "-i", "my-cluster", "-r", ROLE_ARN, "--region", "us-west-2"],
    }
    with (
        MotoServer(tmp_path / "moto") as moto,
        ApiServer(host_allowed=lambda host: True) as server,
    ):
        server.keys = AssumedRoleKeys(server.keys)
        server.users = AssumedRoleUsers(server.users)
        config = seed_kubeconfig(tmp_path / "kc", server, entry)
        code, out, _ = migrate(capsys, "--kubeconfig", str(config))
        assert code == 0
        assert "-> eks-token token -i my-cluster --region us-west-2 -r " + ROLE_ARN in out
        env = {"AWS_ENDPOINT_URL_STS": moto.url, "AWS_CA_BUNDLE": str(moto.ca_bundle)}
        assert whoami(kubectl, config, **env) == "admin"
        assert all(check.ok for check in server.checks)


def test_unknown_arguments_leave_the_user_untouched_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {
        "users": [
            {
                "name": "odd",
                "user": {
                    "exec": {
                        "command": "aws-iam-authenticator",
                        "args": ["token", "-i", "c", "--frobnicate"],
                    }
                },
            },
            {"name": "other", "user": {"exec": {"command": "gke-gcloud-auth-plugin"}}},
            {"name": "static", "user": {"token": "abc"}},
        ]
    }
    config = tmp_path / "kc"
    config.write_text(yaml.safe_dump(document))
    before = config.read_text()
    code, out, err = migrate(capsys, "--kubeconfig", str(config))
    assert (code, out) == (0, f"nothing to migrate in {config}\n")
    assert err == (
        f"warning: {config}: user odd left as it was: aws-iam-authenticator arguments "
        "not understood: --frobnicate\n"
    )
    assert config.read_text() == before


def test_the_cache_flags_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def user(name: str, command: str, *args: str) -> dict[str, Any]:
        return {"name": name, "user": {"exec": {"command": command, "args": list(args)}}}

    document = {
        "users": [
            user("authenticator", "aws-iam-authenticator", "token", "-i", "c", "--cache"),
            user("ours", "eks-token", "token", "-i", "c", "--no-cache"),
        ]
    }
    config = tmp_path / "kc"
    config.write_text(yaml.safe_dump(document))
    code, out, err = migrate(capsys, "--kubeconfig", str(config))
    assert (code, err) == (0, "")
    assert "-> eks-token token -i c\n" in out
    users = {u["name"]: u["user"]["exec"] for u in yaml.safe_load(config.read_text())["users"]}
    assert (users["authenticator"]["command"], users["authenticator"]["args"]) == (
        "eks-token",
        ["token", "-i", "c"],
    )
    assert users["ours"]["args"] == ["token", "-i", "c", "--no-cache"]


def test_migrate_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = migrate(capsys, "--kubeconfig", str(tmp_path / "nope"))
    assert (code, out) == (1, "")
    assert err == f"error: kubeconfig {tmp_path / 'nope'} does not exist\n"
    broken = tmp_path / "broken"
    broken.write_text("users: [\n")
    code, out, err = migrate(capsys, "--kubeconfig", str(broken))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {broken} is not valid YAML")


def test_migrates_what_aws_eks_update_kubeconfig_wrote(
    aws_env: AwsEnv,
    api_server: ApiServer,
    kubectl: Kubectl,
    tmp_path: Path,
    moto_server: MotoServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create_cluster(
        "my-cluster",
        endpoint_url=moto_server.url,
        server_url=api_server.url,
        ca_data=api_server.ca_data,
    )
    config = tmp_path / "kc"
    result = run_aws(
        *("eks", "update-kubeconfig", "--name", "my-cluster", "--kubeconfig", str(config)),
        extra_env={"AWS_ENDPOINT_URL_EKS": moto_server.url, "AWS_DEFAULT_REGION": "us-west-2"},
    )
    assert result.returncode == 0, result.stderr
    written = user_exec(read_yaml(config), read_yaml(config)["users"][0]["name"])
    assert written["command"] == "aws"
    code, out, _ = migrate(capsys, "--kubeconfig", str(config))
    assert code == 0
    assert "-> eks-token get-token --cluster-name my-cluster --region us-west-2" in out
    migrated = user_exec(read_yaml(config), read_yaml(config)["users"][0]["name"])
    assert migrated["command"] == "eks-token"
    assert migrated["apiVersion"] == written["apiVersion"]
    assert whoami(kubectl, config) == "alice"


def _heptio_user(name: str, cluster: str) -> dict[str, Any]:
    return {
        "name": name,
        "user": {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1alpha1",
                "command": "heptio-authenticator-aws",
                "args": ["token", "-i", cluster],
            }
        },
    }


def test_migrate_files_reads_every_file_before_writing_any(tmp_path: Path) -> None:
    from eks_token.errors import KubeconfigError
    from eks_token.kubeconfig.migrate import migrate_files

    first = tmp_path / "first"
    first.write_text(yaml.safe_dump({"users": [_heptio_user("a", "one")]}))
    broken = tmp_path / "broken"
    broken.write_text("users: [\n")
    before = first.read_text()
    with pytest.raises(KubeconfigError, match="not valid YAML"):
        migrate_files([first, broken])
    assert first.read_text() == before


def test_migrate_files_writes_each_changed_file_and_skips_missing_ones(tmp_path: Path) -> None:
    from eks_token.kubeconfig.migrate import FileMigration, migrate_files

    first, missing, second = tmp_path / "first", tmp_path / "missing", tmp_path / "second"
    first.write_text(yaml.safe_dump({"users": [_heptio_user("a", "one")]}))
    second.write_text(yaml.safe_dump({"users": [{"name": "s", "user": {"token": "t"}}]}))
    heard: list[FileMigration] = []
    done = migrate_files([first, missing, second], on_file=heard.append)
    assert heard == done
    assert [(o.path, o.exists, len(o.changes)) for o in done] == [
        (first, True, 1),
        (missing, False, 0),
        (second, True, 0),
    ]
    written = yaml.safe_load(first.read_text())["users"][0]["user"]["exec"]
    assert (written["command"], written["args"], written["apiVersion"]) == (
        "eks-token",
        ["token", "-i", "one"],
        "client.authentication.k8s.io/v1beta1",
    )
    assert not missing.exists()


def test_migrate_files_dry_run_and_a_named_missing_file(tmp_path: Path) -> None:
    from eks_token.errors import KubeconfigError
    from eks_token.kubeconfig.migrate import migrate_files

    config = tmp_path / "kc"
    config.write_text(yaml.safe_dump({"users": [_heptio_user("a", "one")]}))
    before = config.read_text()
    done = migrate_files([config], dry_run=True, command="/opt/bin/eks-token")
    assert done[0].changes[0].new_command == "/opt/bin/eks-token token -i one"
    assert config.read_text() == before
    with pytest.raises(KubeconfigError, match="does not exist"):
        migrate_files([tmp_path / "nope"], must_exist=True)
