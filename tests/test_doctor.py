"""The doctor's chain against the local STS stand-in and HTTPS API server: one failure each."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import trustme

from eks_token.doctor import CHECK_NAMES, DoctorReport, run_doctor
from tests.cluster_side_helpers import EXEC_ENTRY, SIGNED_AT, closed_port
from tests.support import kube
from tests.support.api_server import ApiServer, Rule
from tests.support.aws_env import AwsEnv
from tests.support.sts_standin import StsStandin

NOW = SIGNED_AT


@pytest.fixture
def standin(sts_standin: StsStandin) -> StsStandin:
    sts_standin.freeze(NOW)
    return sts_standin


@pytest.fixture
def allowed_server() -> Iterator[ApiServer]:
    with ApiServer(rules=[Rule("get", "pods", namespace="default")], now=lambda: NOW) as server:
        yield server


def kubeconfig_for(tmp_path: Path, server_url: str, ca_data: str) -> Path:
    return kube.write_kubeconfig(tmp_path / "kubeconfig", server_url, ca_data, EXEC_ENTRY)


def doctor(kubeconfig: Path, standin: StsStandin) -> DoctorReport:
    return run_doctor(
        kubeconfig=str(kubeconfig),
        sts_endpoint_url=standin.url,
        now=NOW,
        environ=dict(os.environ),
        timeout=5,
    )


def failed(report: DoctorReport) -> str:
    assert not report.ok
    return report.checks[-1].name


def test_every_link_holds(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    config = kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data)
    report = doctor(config, standin)
    assert report.ok, report.render()
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    by_name = {c.name: c for c in report.checks}
    assert by_name["credentials"].details["source"] == "env"
    assert by_name["caller-identity"].summary == "arn:aws:iam::111122223333:user/alice"
    assert by_name["authentication"].details["username"] == "alice"
    assert "all checks passed" in report.render()
    # the token went to the stand-in for the real host, and to the API server as a bearer token
    assert standin.recorded[0].header("host") == "sts.us-west-2.amazonaws.com"
    assert all(r.token for r in allowed_server.recorded[1:])


def test_unmapped_identity_lists_the_likely_causes(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin
) -> None:
    with ApiServer(users={}, now=lambda: NOW) as server:
        report = doctor(kubeconfig_for(tmp_path, server.url, server.ca_data), standin)
    assert failed(report) == "authentication"
    causes = report.checks[-1].causes
    assert "not mapped" in causes[0]
    assert "create-access-entry" in causes[0]
    assert "wrong cluster id" in causes[1]
    assert "region or partition" in causes[2]
    assert "expired credentials" in causes[3]
    assert report.not_run == ("authorization",)


def test_rbac_denial(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, api_server: ApiServer
) -> None:
    api_server.freeze(NOW)
    report = doctor(kubeconfig_for(tmp_path, api_server.url, api_server.ca_data), standin)
    assert failed(report) == "authorization"
    check = report.checks[-1]
    assert "RBAC says no" in check.summary
    assert "alice" in check.summary
    assert check.fix
    assert "rolebinding" in check.fix


def test_wrong_ca(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    other = trustme.CA()

    ca_data = base64.b64encode(other.cert_pem.bytes()).decode()
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, ca_data), standin)
    assert failed(report) == "endpoint"
    assert "certificate authority" in report.checks[-1].summary
    assert allowed_server.recorded == []


def test_unreachable_endpoint(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    url = f"https://127.0.0.1:{closed_port()}"
    report = doctor(kubeconfig_for(tmp_path, url, allowed_server.ca_data), standin)
    assert failed(report) == "endpoint"
    assert "cannot be reached" in report.checks[-1].summary


def test_skewed_clock(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    standin.date_offset = timedelta(minutes=20)
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data), standin)
    assert failed(report) == "clock"
    assert "20m00s behind STS" in report.checks[-1].summary


def test_no_credentials(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data), standin)
    assert failed(report) == "credentials"
    assert "no AWS credentials" in report.checks[-1].summary
    assert standin.recorded == []


def test_credentials_sts_rejects(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data), standin)
    assert failed(report) == "caller-identity"
    assert "SignatureDoesNotMatch" in report.checks[-1].summary
    assert "wrong-secret" not in report.render()


def test_exec_entry_that_is_not_a_token_tool(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin
) -> None:
    config = kube.write_kubeconfig(
        tmp_path / "kubeconfig", "https://127.0.0.1:1", "", {"command": "gcloud", "args": []}
    )
    report = doctor(config, standin)
    assert failed(report) == "kubeconfig"
    assert "not an EKS token tool" in report.checks[0].summary


def test_missing_kubeconfig(aws_env: AwsEnv, tmp_path: Path, standin: StsStandin) -> None:
    report = doctor(tmp_path / "nope", standin)
    assert failed(report) == "kubeconfig"
    assert report.to_dict()["not_run"] == list(CHECK_NAMES[1:])
