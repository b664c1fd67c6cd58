"""`eks-token kubeconfig`: DescribeCluster through moto, merge and write rules, kubectl reads it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from moto import mock_aws

from eks_token.aws.eks import EksCluster
from eks_token.cli.main import main
from eks_token.errors import ClusterError
from eks_token.kubeconfig.entries import build_entries
from tests.kubeconfig_helpers import MOTO_ACCOUNT, create_cluster, read_yaml, user_exec
from tests.support.aws_env import AwsEnv
from tests.support.kube import Kubectl

ARN = f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/prod"
OTHER: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "preferences": {"colors": True},
    "clusters": [{"name": "other", "cluster": {"server": "https://other.example"}}],
    "users": [{"name": "other", "user": {"token": "static"}}],
    "contexts": [{"name": "other", "context": {"cluster": "other", "user": "other"}}],
    "current-context": "other",
    "extensions": [{"name": "keep-me", "extension": {"a": 1}}],
}


@pytest.fixture
def eks(aws_env: AwsEnv) -> Iterator[AwsEnv]:
    with mock_aws():
        create_cluster("prod")
        yield aws_env


# eks-token on PATH, as after activating its virtualenv: no warning about the command.
pytestmark = pytest.mark.usefixtures("eks_token_on_path")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["kubeconfig", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_new_file_gets_the_eks_token_entries(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], kubectl: Kubectl
) -> None:
    code, out, err = run(capsys, "--name", "prod")
    config = eks.home / ".kube" / "config"
    assert (code, err) == (0, "")
    assert out == f"Added new context {ARN} to {config}\n"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    document = read_yaml(config)
    assert document["current-context"] == ARN
    assert user_exec(document, ARN) == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-token",
        "args": ["token", "-i", "prod", "--region", "us-west-2"],
        "interactiveMode": "IfAvailable",
    }
    cluster = document["clusters"][0]
    assert cluster["name"] == ARN
    assert cluster["cluster"]["server"].startswith("https://")
    assert cluster["cluster"]["certificate-authority-data"]
    view = kubectl.run(config, "config", "view", "-o", "json")
    assert view.returncode == 0, view.stderr
    assert json.loads(view.stdout)["users"][0]["user"]["exec"]["command"] == "eks-token"
    contexts = kubectl.run(config, "config", "get-contexts", "-o", "name")
    assert contexts.stdout.split() == [ARN]


def test_profile_role_and_aliases(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path, kubectl: Kubectl
) -> None:
    eks.config_file.parent.mkdir(parents=True, exist_ok=True)
    eks.config_file.write_text("[profile dev]\nregion = us-west-2\n")
    eks.credentials_file.write_text(
        f"[dev]\naws_access_key_id = {eks.access_key_id}\n"
        f"aws_secret_access_key = {eks.secret_access_key}\n"
    )
    target = tmp_path / "kc"
    role = "arn:aws:iam::111122223333:role/admin"
    code, _, err = run(
        capsys,
        *("--name", "prod", "--profile", "dev", "--role-arn", role),
        *("--alias", "prod", "--user-alias", "me", "--kubeconfig", str(target)),
    )
    assert (code, err) == (0, "")
    document = read_yaml(target)
    assert document["contexts"] == [{"name": "prod", "context": {"cluster": ARN, "user": "me"}}]
    entry = user_exec(document, "me")
    assert entry["args"] == ["token", "-i", "prod", "--region", "us-west-2", "-r", role]
    assert entry["env"] == [{"name": "AWS_PROFILE", "value": "dev"}]
    result = kubectl.run(target, "config", "get-contexts")
    assert result.returncode == 0, result.stderr
    assert "prod" in result.stdout


def test_merge_keeps_unrelated_content_and_replaces_in_place(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path, kubectl: Kubectl
) -> None:
    target = tmp_path / "kc"
    existing = json.loads(json.dumps(OTHER))
    existing["clusters"].append({"name": ARN, "cluster": {"server": "https://stale.example"}})
    existing["users"].append({"name": ARN, "user": {"exec": {"command": "aws"}}})
    existing["clusters"].append({"name": "last", "cluster": {"server": "https://last.example"}})
    target.write_text(yaml.safe_dump(existing))
    target.chmod(0o640)
    code, out, _ = run(capsys, "--name", "prod", "--kubeconfig", str(target))
    assert code == 0
    assert out == f"Added new context {ARN} to {target}\n"
    document = read_yaml(target)
    assert [c["name"] for c in document["clusters"]] == ["other", ARN, "last"]
    assert document["clusters"][1]["cluster"]["server"] != "https://stale.example"
    assert [u["name"] for u in document["users"]] == ["other", ARN]
    assert user_exec(document, ARN)["command"] == "eks-token"
    for key in ("preferences", "extensions"):
        assert document[key] == OTHER[key]
    assert document["users"][0] == OTHER["users"][0]
    assert document["current-context"] == ARN
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    code, out, _ = run(capsys, "--name", "prod", "--kubeconfig", str(target))
    assert out == f"Updated context {ARN} in {target}\n"
    assert read_yaml(target) == document
    assert kubectl.run(target, "config", "view").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kc"]


def test_kubeconfig_variable_first_file_with_the_cluster_wins(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text(yaml.safe_dump(OTHER))
    second.write_text(
        yaml.safe_dump({"clusters": [{"name": ARN, "cluster": {"server": "https://x"}}]})
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    assert run(capsys, "--name", "prod")[0] == 0
    assert read_yaml(first) == OTHER
    assert read_yaml(second)["current-context"] == ARN
    second.unlink()
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    assert run(capsys, "--name", "prod")[0] == 0
    assert read_yaml(first)["current-context"] == ARN
    assert not second.exists()


def test_dry_run_prints_and_writes_nothing(eks: AwsEnv, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--name", "prod", "--dry-run")
    assert code == 0
    assert yaml.safe_load(out)["current-context"] == ARN
    assert not (eks.home / ".kube").exists()


def test_split_writes_one_file_per_cluster(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], kubectl: Kubectl
) -> None:
    code, out, _ = run(capsys, "--name", "prod", "--split")
    path = eks.home / ".kube" / "config.d" / "prod"
    assert code == 0
    assert str(path) in out
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert kubectl.run(path, "config", "get-contexts", "-o", "name").stdout.split() == [ARN]


def test_shared_user_layout(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path, kubectl: Kubectl
) -> None:
    create_cluster("dev", "eu-west-1")
    target = tmp_path / "kc"
    assert run(capsys, "--name", "prod", "--shared-user", "--kubeconfig", str(target))[0] == 0
    args = ("--name", "dev", "--region", "eu-west-1", "--shared-user")
    assert run(capsys, *args, "--kubeconfig", str(target))[0] == 0
    document = read_yaml(target)
    assert [u["name"] for u in document["users"]] == ["eks-token"]
    assert user_exec(document, "eks-token") == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-token",
        "args": ["token"],
        "interactiveMode": "IfAvailable",
        "provideClusterInfo": True,
    }
    extensions = [cluster["cluster"]["extensions"] for cluster in document["clusters"]]
    assert extensions == [
        [
            {
                "name": "client.authentication.k8s.io/exec",
                "extension": {"cluster-id": name, "region": region},
            }
        ]
        for name, region in (("prod", "us-west-2"), ("dev", "eu-west-1"))
    ]
    assert kubectl.run(target, "config", "view").returncode == 0


def test_missing_and_not_active_clusters_are_clear_errors(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--name", "ghost")
    assert (code, out) == (1, "")
    assert err == "error: no EKS cluster 'ghost' in us-west-2 (check --name and --region)\n"
    create_cluster("new", status="CREATING")
    code, out, err = run(capsys, "--name", "new")
    assert (code, out) == (1, "")
    assert err.startswith("error: EKS cluster 'new' is CREATING; only ACTIVE or UPDATING")
    create_cluster("moving", status="UPDATING")
    assert run(capsys, "--name", "moving", "--dry-run")[0] == 0
    assert not (eks.home / ".kube").exists()


def test_corrupt_file_is_an_error_and_stays_untouched(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "kc"
    target.write_text("clusters: [\n  - {name: a\n")
    before = target.read_bytes()
    code, out, err = run(capsys, "--name", "prod", "--kubeconfig", str(target))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {target} is not valid YAML at line")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kc"]


def test_unwritable_location_is_a_clear_error(
    eks: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, err = run(capsys, "--name", "prod", "--kubeconfig", str(blocker / "sub" / "kc"))
    assert (code, out) == (1, "")
    assert (
        err
        == f"error: cannot write under {blocker / 'sub'}: {blocker} is a file, not a directory\n"
    )
    directory = tmp_path / "dir"
    directory.mkdir()
    code, _, err = run(capsys, "--name", "prod", "--kubeconfig", str(directory))
    assert code == 1
    assert err == f"error: {directory} is a directory, not a kubeconfig\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "the following arguments are required: --name"),
        (("--name", "x", "--split", "--kubeconfig", "k"), "not allowed with argument"),
    ],
)
def test_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["kubeconfig", *argv])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert message in err
    assert err.count("\n") == 1


def test_bad_role_arn_is_refused_before_any_call(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--name", "prod", "--role-arn", "admin")
    assert code == 1
    assert "is not an IAM role ARN" in err


def describe(**extra: Any) -> dict[str, Any]:
    cluster: dict[str, Any] = {
        "name": "edge",
        "arn": f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/edge",
        "status": "ACTIVE",
        "endpoint": "https://edge.example",
        "certificateAuthority": {"data": "Q0E="},
    }
    cluster.update(extra)
    return cluster


def test_outposts_local_cluster_uses_its_id() -> None:
    local = EksCluster.from_description(
        describe(id="a1b2c3d4-5678", outpostConfig={"outpostArns": ["arn:x"]}), "us-west-2"
    )
    assert local.cluster_id == "a1b2c3d4-5678"
    entries = build_entries(local)
    assert entries.user["user"]["exec"]["args"][:3] == ["token", "-i", "a1b2c3d4-5678"]
    cloud = EksCluster.from_description(describe(id="ignored"), "us-west-2")
    assert cloud.cluster_id == "edge"


def test_cluster_without_endpoint_is_refused() -> None:
    with pytest.raises(ClusterError, match="no endpoint or certificate authority"):
        EksCluster.from_description(describe(endpoint=None), "us-west-2")
