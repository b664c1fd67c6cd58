"""`eks-token kubeconfig` next to `aws eks update-kubeconfig`: same files chosen, same refusals,
names from the network checked before they become paths, and the AWS CLI's files kept intact."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from eks_token.aws.eks import EksCluster
from eks_token.cli.main import main
from eks_token.errors import ClusterError
from tests.kubeconfig_helpers import MOTO_ACCOUNT, create_cluster, read_yaml
from tests.support.aws_env import AwsEnv
from tests.support.cli import run_aws
from tests.support.kube import Kubectl
from tests.support.local_server import LocalServer, RecordedRequest, Response
from tests.support.moto_server import MotoServer

# kubectl runs the entries written here: eks-token is on PATH, as after activating the venv.
pytestmark = pytest.mark.usefixtures("eks_token_on_path")

ARN = f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/prod"


@pytest.fixture
def moto_url(moto_eks: MotoServer) -> str:
    """moto's server on 127.0.0.1 with cluster ``prod``; EKS and STS calls go there."""
    create_cluster("prod", endpoint_url=moto_eks.url)
    return moto_eks.url


def ours(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["kubeconfig", *args])
    out, err = capsys.readouterr()
    return code, out, err


def theirs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_aws(
        "eks",
        "update-kubeconfig",
        *args,
        extra_env={"AWS_DEFAULT_REGION": "us-west-2", **(env or {})},
    )


def kubectl_view(kubectl: Kubectl, path: Path) -> dict[str, Any]:
    result = kubectl.run(path, "config", "view", "-o", "json", "--raw")
    assert result.returncode == 0, result.stderr
    view: dict[str, Any] = json.loads(result.stdout)
    return view


# --- which file, and which files are refused: as the AWS CLI decides -------------------------

BROKEN = "clusters: [\n"
NOT_MAPPINGS = "clusters: [String]\n"
HAS_PROD = f"clusters:\n- name: {ARN}\n  cluster:\n    server: https://old.example\n"

# (files as name -> content, KUBECONFIG parts, the file written or None when refused)
SELECTION = [
    pytest.param({"bad": BROKEN, "good": HAS_PROD}, ["bad", "good"], "good", id="skip-unparseable"),
    pytest.param({"bad": BROKEN}, ["bad", "new"], None, id="first-file-unparseable"),
    pytest.param({"a": BROKEN}, ["new", "a"], "new", id="unparseable-later-file"),
    pytest.param({"inv": NOT_MAPPINGS, "good": HAS_PROD}, ["inv", "good"], "good", id="skip-inv"),
    pytest.param({"inv": NOT_MAPPINGS}, ["inv", "new"], None, id="first-file-invalid"),
    pytest.param({}, ["  ", "new"], "new", id="blank-part-dropped"),
    pytest.param({}, ["", " \t", "new"], "new", id="empty-parts-dropped"),
]


@pytest.mark.parametrize(("files", "parts", "written"), SELECTION)
def test_file_selection_and_refusals_match_the_aws_cli(
    moto_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    files: dict[str, str],
    parts: list[str],
    written: str | None,
) -> None:
    outcomes = []
    for tool in ("aws", "eks-token"):
        directory = tmp_path / tool
        directory.mkdir()
        for name, content in files.items():
            (directory / name).write_text(content)
        kubeconfig = os.pathsep.join(str(directory / p) if p.strip() else p for p in parts)
        monkeypatch.setenv("KUBECONFIG", kubeconfig)
        monkeypatch.chdir(directory)
        if tool == "aws":
            result = theirs("--name", "prod")
            code, err = result.returncode, result.stderr
        else:
            code, _, err = ours(capsys, "--name", "prod")
        changed = sorted(
            p.name
            for p in directory.iterdir()
            if p.name not in files or p.read_text() != files[p.name]
        )
        outcomes.append((code == 0, changed))
        if tool == "eks-token" and written is None:
            assert code == 1
            lines = err.splitlines()
            assert len(lines) == 1
            assert lines[0].startswith("error: ")
            assert str(directory / parts[0]) in lines[0]
    expected = (written is not None, [written] if written else [])
    assert outcomes == [expected, expected]


def test_a_written_file_with_non_mapping_entries_is_refused_untouched(
    moto_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "kc"
    for content in (NOT_MAPPINGS, "users: [1, 2]\n", "contexts: [[a]]\n", "clusters: {a: 1}\n"):
        target.write_text(content)
        code, out, err = ours(capsys, "--name", "prod", "--kubeconfig", str(target))
        assert (code, out) == (1, "")
        assert err.startswith(f"error: {target} is not a valid kubeconfig: ")
        assert target.read_text() == content
        assert not (tmp_path / "kc.lock").exists()


# --- --proxy-url and --assume-role-arn ---------------------------------------------------------


def test_proxy_url_is_written_as_the_aws_cli_writes_it(
    moto_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, kubectl: Kubectl
) -> None:
    proxy = "socks5://proxy.example:1080"
    result = theirs("--name", "prod", "--kubeconfig", str(tmp_path / "a"), "--proxy-url", proxy)
    assert result.returncode == 0, result.stderr
    code, _, err = ours(
        capsys, "--name", "prod", "--kubeconfig", str(tmp_path / "b"), "--proxy-url", proxy
    )
    assert (code, err) == (0, "")
    aws_cluster = read_yaml(tmp_path / "a")["clusters"][0]["cluster"]
    our_cluster = read_yaml(tmp_path / "b")["clusters"][0]["cluster"]
    assert our_cluster == aws_cluster
    assert our_cluster["proxy-url"] == proxy
    assert kubectl_view(kubectl, tmp_path / "b")["clusters"][0]["cluster"]["proxy-url"] == proxy


@pytest.mark.parametrize(
    "proxy", ["ftp://proxy", "proxy:3128", "http://", "http://a b", "http://p:0"]
)
def test_a_bad_proxy_url_is_refused_before_any_call(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path, proxy: str
) -> None:
    code, out, err = ours(
        capsys, "--name", "prod", "--kubeconfig", str(tmp_path / "k"), "--proxy-url", proxy
    )
    assert (code, out) == (1, "")
    assert err.startswith("error: ")
    assert "is not a proxy URL" in err
    assert not (tmp_path / "k").exists()


class EksStandin(LocalServer):
    """DescribeCluster answers of our choosing; records who signed each request."""

    def __init__(self, cluster: dict[str, Any]) -> None:
        super().__init__()
        self.cluster = cluster

    def respond(self, request: RecordedRequest) -> Response:
        return Response.json(200, {"cluster": self.cluster})

    def access_keys(self) -> list[str]:
        keys = []
        for request in self.recorded:
            authorization = request.header("authorization") or ""
            keys.append(authorization.split("Credential=")[1].split("/")[0])
        return keys


def good_answer(**extra: Any) -> dict[str, Any]:
    answer = {
        "name": "prod",
        "arn": ARN,
        "status": "ACTIVE",
        "endpoint": "https://prod.example",
        "certificateAuthority": {"data": "Q0E="},
    }
    answer.update(extra)
    return answer


def test_assume_role_arn_is_used_for_describe_cluster_only(
    moto_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.sts.models import sts_backends

    role = f"arn:aws:iam::{MOTO_ACCOUNT}:role/reader"
    with EksStandin(good_answer()) as standin:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", standin.url)
        target = tmp_path / "kc"
        code, _, err = ours(
            capsys, "--name", "prod", "--kubeconfig", str(target), "--assume-role-arn", role
        )
        assert (code, err) == (0, "")
        assumed = sts_backends[MOTO_ACCOUNT]["aws"].assumed_roles
        assert [(r.role_arn, r.session_name) for r in assumed] == [
            (role, "EKSDescribeClusterSession")
        ]
        assert standin.access_keys() == [assumed[0].access_key_id]
    user = read_yaml(target)["users"][0]["user"]["exec"]
    assert role not in json.dumps(read_yaml(target))
    assert user["args"] == ["token", "-i", "prod", "--region", "us-west-2"]


# --- names and values from the network ----------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "../../../../tmp/x"},
        {"name": "a/b"},
        {"name": "prod\n"},
        {"name": "pröd"},
        {"name": "-prod"},
        {"name": "p" * 101},
        {"name": ""},
        {"name": 7},
        {"arn": "arn:aws:eks:us-west-2:123456789012:cluster/other"},
        {"arn": "arn:aws:eks:us-west-2:123456789012:cluster/prod\nx"},
        {"arn": None},
        {"endpoint": "http://prod.example"},
        {"endpoint": "https://prod.example\nkind: Config"},
        {"certificateAuthority": {"data": "Q0E=\n  evil: 1"}},
        {"id": "../x", "outpostConfig": {"outpostArns": ["arn:x"]}},
    ],
    ids=repr,
)
def test_hostile_describe_cluster_answers_are_refused(bad: dict[str, Any]) -> None:
    answer = good_answer()
    answer.update(bad)
    if answer["name"] != "prod" and "arn" not in bad:
        answer["arn"] = f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/{answer['name']}"
    with pytest.raises(ClusterError):
        EksCluster.from_description(answer, "us-west-2")


def test_longest_valid_name_is_accepted() -> None:
    name = "p" + "-_0aZ" * 19 + "abcd"
    assert len(name) == 100
    answer = good_answer(name=name, arn=f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/{name}")
    assert EksCluster.from_description(answer, "us-west-2").name == name


def test_split_with_a_hostile_name_from_the_network_writes_nothing(
    aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.cli import run_cli

    escape = "../../../../" + str(tmp_path / "escaped").lstrip("/")
    answer = good_answer(name=escape, arn=f"arn:aws:eks:us-west-2:{MOTO_ACCOUNT}:cluster/{escape}")
    with EksStandin(answer) as standin:
        result = run_cli(
            "kubeconfig",
            "--name",
            "prod",
            "--split",
            extra_env={"AWS_ENDPOINT_URL_EKS": standin.url},
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: DescribeCluster answered with an invalid cluster name")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "escaped").exists()
    assert not (aws_env.home / ".kube").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--name", "prod", "--region", "us-west-2a"), "looks like an availability zone"),
        (("--name", "prod", "--region", "US-WEST-2"), "region names are lower case"),
        (("--name", "../x", "--split"), "is not an EKS cluster name"),
        (("--name", "prod", "--assume-role-arn", "reader"), "is not an IAM role ARN"),
    ],
)
def test_bad_input_is_refused_before_any_network_call(
    aws_env: AwsEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    with EksStandin(good_answer()) as standin:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", standin.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
        code, out, err = ours(capsys, *args)
        assert standin.recorded == []
    assert (code, out) == (1, "")
    assert err.startswith("error: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (aws_env.home / ".kube").exists()


# --- files the AWS CLI wrote, then updated by eks-token -----------------------------------------


def test_a_file_the_aws_cli_wrote_reads_the_same_but_for_our_change(
    moto_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, kubectl: Kubectl
) -> None:
    create_cluster("dev", endpoint_url=moto_url)
    target = tmp_path / "kc"
    result = theirs("--name", "prod", "--kubeconfig", str(target), "--proxy-url", "socks5://p:1")
    assert result.returncode == 0, result.stderr
    original = target.read_text()
    before = kubectl_view(kubectl, target)
    # Another cluster: the AWS CLI's entries stay byte for byte.
    assert ours(capsys, "--name", "dev", "--kubeconfig", str(target))[0] == 0
    dev = ARN.replace("/prod", "/dev")
    after = kubectl_view(kubectl, target)
    for section in ("clusters", "users", "contexts"):
        assert [i for i in after[section] if i["name"] != dev] == before[section]
    assert after["current-context"] == dev
    kept = [line for line in original.splitlines() if not line.startswith("current-context:")]
    lines = iter(target.read_text().splitlines())
    assert all(any(line == other for other in lines) for line in kept)  # in order, all kept
    # The same cluster: its entries are replaced as the AWS CLI replaces them (without
    # --proxy-url the new cluster entry has none); nothing else changes.
    assert ours(capsys, "--name", "prod", "--kubeconfig", str(target))[0] == 0
    final = kubectl_view(kubectl, target)
    prod_user = next(u for u in final["users"] if u["name"] == ARN)
    assert prod_user["user"]["exec"]["command"] == "eks-token"
    expected = next(c for c in before["clusters"] if c["name"] == ARN)
    del expected["cluster"]["proxy-url"]
    assert next(c for c in final["clusters"] if c["name"] == ARN) == expected
    for section in ("clusters", "users"):
        assert [i for i in final[section] if i["name"] != ARN] == [
            i for i in after[section] if i["name"] != ARN
        ]
    assert final["contexts"] == after["contexts"]


@pytest.mark.parametrize(
    ("outpost", "signs_with"),
    [
        (None, "prod"),
        ({"outpostArns": ["arn:x"], "controlPlaneInstanceType": "m5.large"}, "a1b2c3d4-5678"),
        (
            {
                "outpostArns": ["arn:x"],
                "controlPlaneInstanceType": "m5.large",
                "etcdInstanceType": "m5.xlarge",
            },
            "prod",
        ),
    ],
    ids=["cloud", "local", "local-with-etcd-instances"],
)
def test_outposts_cluster_identifier_is_the_one_the_aws_cli_writes(
    aws_env: AwsEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    outpost: dict[str, Any] | None,
    signs_with: str,
) -> None:
    """The AWS CLI passes --cluster-id only for a local cluster without dedicated etcd
    instances; the token's x-k8s-aws-id must be what it would be under the AWS CLI."""
    answer = good_answer(id="a1b2c3d4-5678")
    if outpost is not None:
        answer["outpostConfig"] = outpost
    with EksStandin(answer) as standin:
        env = {"AWS_ENDPOINT_URL_EKS": standin.url}
        result = theirs("--name", "prod", "--kubeconfig", str(tmp_path / "aws"), env=env)
        assert result.returncode == 0, result.stderr
        monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", standin.url)
        code, _, err = ours(capsys, "--name", "prod", "--kubeconfig", str(tmp_path / "ours"))
        assert (code, err) == (0, "")
    aws_args = read_yaml(tmp_path / "aws")["users"][0]["user"]["exec"]["args"]
    flag = "--cluster-id" if "--cluster-id" in aws_args else "--cluster-name"
    assert aws_args[aws_args.index(flag) + 1] == signs_with
    our_args = read_yaml(tmp_path / "ours")["users"][0]["user"]["exec"]["args"]
    assert our_args[:3] == ["token", "-i", signs_with]
