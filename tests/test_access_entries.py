"""EKS access entries: `map` and the doctor against a loopback EKS stand-in whose answers are
checked against botocore's EKS service model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from eks_token.cli.main import main
from eks_token.doctor.run import run_doctor
from tests.cluster_side_helpers import EXEC_ENTRY, write_aws_auth
from tests.support import kube
from tests.support.api_server import ApiServer, KubeUser, Rule
from tests.support.aws_env import AwsEnv
from tests.support.eks_standin import EksStandin, StandinEntry
from tests.support.sts_standin import StsStandin

ACCOUNT = "111122223333"
ROLE_WITH_PATH = f"arn:aws:iam::{ACCOUNT}:role/team/dev"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/alice@example.com"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


@pytest.fixture
def eks(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[EksStandin]:
    with EksStandin() as standin:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", standin.url)
        yield standin


def run_map(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object], str]:
    status = main(["map", "--access-entries", "my-cluster", *args])
    captured = capsys.readouterr()
    return status, json.loads(captured.out) if captured.out else {}, captured.err


def aws_auth_file(tmp_path: Path) -> Path:
    return write_aws_auth(
        tmp_path / "aws-auth.yaml",
        {
            "mapRoles": f"- rolearn: arn:aws:iam::{ACCOUNT}:role/dev\n"
            "  username: from-aws-auth\n  groups: [cm-group]\n",
            "mapUsers": f"- userarn: {ALICE}\n  username: alice-from-aws-auth\n",
        },
    )


def test_an_assumed_role_session_matches_the_role_entry_whatever_its_path(
    eks: EksStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    eks.entries[ROLE_WITH_PATH] = StandinEntry(
        groups=("devs",), policies=(("AmazonEKSViewPolicy", ("team-a",)),)
    )
    status, answer, err = run_map(capsys, "--arn", SESSION)
    assert status == 0, err
    assert answer["source"] == "access-entry"
    assert answer["mode"] == "API"
    # no username in the entry: EKS's default for a role, the session name rendered
    assert answer["username"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/alice-example.com"
    assert answer["groups"] == ["devs"]
    entry = answer["access_entry"]
    assert isinstance(entry, dict)
    assert entry["policies"] == [
        {
            "arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            "scope": "namespace",
            "namespaces": ["team-a"],
        }
    ]
    assert eks.operations == [
        "DescribeCluster",
        "ListAccessEntries",
        "DescribeAccessEntry",
        "ListAssociatedAccessPolicies",
    ]


def test_a_user_entry_without_a_username_is_the_user_arn(
    eks: EksStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    eks.entries[ALICE] = StandinEntry()
    status, answer, _ = run_map(capsys, "--arn", ALICE)
    assert (status, answer["username"]) == (0, ALICE)


def test_api_mode_ignores_aws_auth(
    eks: EksStandin, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, answer, err = run_map(
        capsys, "--aws-auth", str(aws_auth_file(tmp_path)), "--arn", SESSION
    )
    assert (status, answer) == (1, {})
    assert "only through access entries (API)" in err
    assert "aws-auth is ignored" in err


def test_api_and_config_map_an_access_entry_wins_over_aws_auth(
    eks: EksStandin, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    eks.mode = "API_AND_CONFIG_MAP"
    eks.entries[ROLE_WITH_PATH] = StandinEntry(username="dev:{{SessionName}}", groups=("devs",))
    aws_auth = str(aws_auth_file(tmp_path))
    status, answer, _ = run_map(capsys, "--aws-auth", aws_auth, "--arn", SESSION)
    assert status == 0
    assert (answer["source"], answer["username"]) == ("access-entry", "dev:alice-example.com")
    assert "takes precedence over aws-auth" in str(answer["reason"])
    # alice has no access entry: aws-auth answers for her
    status, answer, _ = run_map(capsys, "--aws-auth", aws_auth, "--arn", ALICE)
    assert status == 0
    assert (answer["source"], answer["username"]) == ("aws-auth", "alice-from-aws-auth")


def test_config_map_mode_never_reads_access_entries(
    eks: EksStandin, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    eks.mode = "CONFIG_MAP"
    eks.entries[ROLE_WITH_PATH] = StandinEntry(username="never-used")
    status, answer, _ = run_map(
        capsys, "--aws-auth", str(aws_auth_file(tmp_path)), "--arn", SESSION
    )
    assert status == 0
    assert (answer["source"], answer["username"]) == ("aws-auth", "from-aws-auth")
    assert eks.operations == ["DescribeCluster"]


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_without_aws_auth_the_answer_says_it_was_not_read(
    eks: EksStandin, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    # aws-auth may well map the session: the error must not say that it does not
    eks.mode = mode
    status, answer, err = run_map(capsys, "--arn", SESSION)
    assert (status, answer) == (1, {})
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    assert "does not map" not in line
    assert "does not either" not in line
    assert "aws-auth was not read" in line
    assert "is not known" in line
    assert "--aws-auth FILE or --from-cluster" in err  # the warning says what would tell


def test_access_denied_names_the_iam_action(
    eks: EksStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    eks.denied.add("ListAccessEntries")
    status, answer, err = run_map(capsys, "--arn", SESSION)
    assert (status, answer) == (1, {})
    assert err == (
        "error: ListAccessEntries on cluster 'my-cluster' was denied: this identity needs IAM "
        "permission eks:ListAccessEntries on the cluster (AccessDeniedException)\n"
    )


# --- the doctor explains 401 and 403 from the access entries ---------------------------------


def doctor_report(tmp_path: Path, server: ApiServer, standin: StsStandin) -> dict[str, object]:
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, EXEC_ENTRY)
    report = run_doctor(
        kubeconfig=str(config), sts_endpoint_url=standin.url, access_entries=True, timeout=5
    )
    assert not report.ok
    return report.to_dict()


def failed_check(report: dict[str, object]) -> dict[str, object]:
    checks = report["checks"]
    assert isinstance(checks, list)
    found: dict[str, object] = checks[-1]
    assert found["name"] == report["failed"]
    return found


@pytest.mark.usefixtures("eks_token_on_path")
def test_the_doctor_explains_unauthorized_in_api_mode(
    eks: EksStandin, tmp_path: Path, sts_standin: StsStandin
) -> None:
    eks.entries[ROLE_WITH_PATH] = StandinEntry()  # someone else's entry
    with ApiServer(users={}) as server:
        check = failed_check(doctor_report(tmp_path, server, sts_standin))
    assert check["name"] == "authentication"
    causes = check["likely_causes"]
    assert isinstance(causes, list)
    assert causes[0].startswith("the cluster authenticates only through access entries (API)")
    assert f"--principal-arn {ALICE}" in str(check["fix"])
    assert "aws-auth is ignored in API mode" in str(check["fix"])
    details = check["details"]
    assert isinstance(details, dict)
    assert (details["authentication_mode"], details["mapped_by"]) == ("API", None)


@pytest.mark.parametrize(
    ("mode", "cause"),
    [
        ("CONFIG_MAP", "only through aws-auth (CONFIG_MAP), which does not map"),
        ("API_AND_CONFIG_MAP", "by the cluster's 401, aws-auth does not either"),
    ],
)
@pytest.mark.usefixtures("eks_token_on_path")
def test_the_doctor_says_a_401_means_aws_auth_does_not_map_either(
    eks: EksStandin, tmp_path: Path, sts_standin: StsStandin, mode: str, cause: str
) -> None:
    eks.mode = mode
    with ApiServer(users={}) as server:
        check = failed_check(doctor_report(tmp_path, server, sts_standin))
    assert check["name"] == "authentication"
    causes = check["likely_causes"]
    assert isinstance(causes, list)
    assert cause in causes[0]
    assert ALICE in causes[0]


@pytest.mark.usefixtures("eks_token_on_path")
def test_a_namespace_scoped_view_policy_is_forbidden_outside_its_namespace(
    eks: EksStandin, tmp_path: Path, sts_standin: StsStandin
) -> None:
    eks.entries[ALICE] = StandinEntry(
        username="alice", policies=(("AmazonEKSViewPolicy", ("team-a",)),)
    )
    rules = [Rule("get", "pods", namespace="team-a", user="alice")]
    users = {"AKIAIOSFODNN7EXAMPLE": KubeUser("alice")}
    with ApiServer(users=users, rules=rules) as server:
        check = failed_check(doctor_report(tmp_path, server, sts_standin))
    assert check["name"] == "authorization"
    causes = check["likely_causes"]
    assert isinstance(causes, list)
    assert causes[0] == (
        "AmazonEKSViewPolicy is scoped to namespaces team-a; the request is in namespace "
        "default, outside its scope"
    )
    assert "no RBAC RoleBinding" in causes[-1]
    fix = str(check["fix"])
    assert "associate-access-policy" in fix
    assert "type=namespace,namespaces=default" in fix


@pytest.mark.usefixtures("eks_token_on_path")
def test_the_doctor_says_which_iam_action_it_lacks(
    eks: EksStandin, tmp_path: Path, sts_standin: StsStandin
) -> None:
    eks.denied.add("ListAccessEntries")
    with ApiServer(users={}) as server:
        check = failed_check(doctor_report(tmp_path, server, sts_standin))
    assert check["name"] == "authentication"
    causes = check["likely_causes"]
    assert isinstance(causes, list)
    assert "not mapped" in causes[0]
    assert "eks:ListAccessEntries" in causes[-1]
    details = check["details"]
    assert isinstance(details, dict)
    assert details["iam_action_needed"] == "eks:ListAccessEntries"


# --- pagination: every page, and a service that repeats itself ends ----------------------------


def test_every_page_of_access_entries_is_read(
    eks: EksStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(5):
        eks.entries[f"arn:aws:iam::{ACCOUNT}:user/u{n}"] = StandinEntry()
    eks.entries[ALICE] = StandinEntry(username="alice")  # sorted first: on page 1
    eks.entries[f"arn:aws:iam::{ACCOUNT}:user/zed"] = StandinEntry(username="zed")
    eks.page_size = 2
    status, answer, err = run_map(capsys, "--arn", f"arn:aws:iam::{ACCOUNT}:user/zed")
    assert status == 0, err
    assert answer["username"] == "zed"
    assert eks.operations.count("ListAccessEntries") == 4


def test_a_repeated_next_token_ends_map_with_an_error(
    eks: EksStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    eks.entries[ROLE_WITH_PATH] = StandinEntry()
    eks.repeated_token = "c2FtZS10b2tlbg=="
    status, answer, err = run_map(capsys, "--arn", ALICE)
    assert (status, answer) == (1, {})
    assert err.startswith("error: ListAccessEntries on cluster 'my-cluster' answered a nextToken")
    assert "already given" in err
    assert len(err.splitlines()) == 1
    assert eks.repeated_token not in err
    assert eks.operations.count("ListAccessEntries") == 2


@pytest.mark.usefixtures("eks_token_on_path")
def test_a_repeated_next_token_ends_the_doctor_with_the_reason(
    eks: EksStandin, tmp_path: Path, sts_standin: StsStandin
) -> None:
    eks.entries[ROLE_WITH_PATH] = StandinEntry()
    eks.repeated_token = "c2FtZS10b2tlbg=="
    with ApiServer(users={}) as server:
        check = failed_check(doctor_report(tmp_path, server, sts_standin))
    assert check["name"] == "authentication"
    details = check["details"]
    assert isinstance(details, dict)
    assert "answered a nextToken it had already given" in str(details["access_entries_error"])
    assert eks.operations.count("ListAccessEntries") == 2
