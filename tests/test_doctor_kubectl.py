"""The doctor against the real kubectl: for each kubeconfig, the doctor passes exactly when
kubectl authenticates (and is allowed) against the local HTTPS API server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eks_token.doctor.report import DoctorReport
from tests.doctor_helpers import doctor, failed, write_script
from tests.support import kube
from tests.support.api_server import ApiServer, Rule
from tests.support.aws_env import AwsEnv
from tests.support.cli import BIN_DIR, run_cli
from tests.support.kube import Kubectl
from tests.support.sts_standin import StsStandin

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
V1ALPHA1 = "client.authentication.k8s.io/v1alpha1"
EKS_TOKEN_ARGS = ["token", "-i", "my-cluster"]
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE0123456789"


@pytest.fixture
def server() -> Iterator[ApiServer]:
    with ApiServer(rules=[Rule("get", "pods", namespace="default")]) as api:
        yield api


def entry(api_version: str, command: str = "eks-token", **more: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "command": command, "args": EKS_TOKEN_ARGS, **more}


CASES: dict[str, tuple[dict[str, Any], bool]] = {
    # the classic guide's entry; heptio-authenticator-aws is not installed
    "heptio-v1alpha1": (entry(V1ALPHA1, "heptio-authenticator-aws"), False),
    # a migrated entry, but eks-token is not on kubectl's PATH
    "eks-token-off-path": (entry(V1BETA1), False),
    "v1-without-interactive-mode": (entry(V1), False),
    "good-v1": (entry(V1, interactiveMode="Never"), True),
    "good-v1beta1": (entry(V1BETA1), True),
    "another-cluster": (
        {**entry(V1, interactiveMode="Never"), "args": ["token", "-i", "other-cluster"]},
        False,
    ),
    "v1-interactive-if-available": (entry(V1, interactiveMode="IfAvailable"), True),
    "v1-interactive-always": (entry(V1, interactiveMode="Always"), False),
    "v1-invalid-interactive-mode": (entry(V1, interactiveMode="Sometimes"), False),
    "env-profile-missing": (
        entry(V1, interactiveMode="Never", env=[{"name": "AWS_PROFILE", "value": "nope"}]),
        False,
    ),
}


def same_as_kubectl(
    kubectl: Kubectl, config: Path, standin: StsStandin
) -> tuple[DoctorReport, bool]:
    """The doctor's report, after asserting that it passes exactly when kubectl succeeds."""
    result = kubectl.run(config, "get", "pods", "-o", "name")
    report = doctor(config, standin)
    assert report.ok == (result.returncode == 0), (result.stderr, report.render())
    return report, result.returncode == 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_doctor_passes_exactly_when_kubectl_authenticates(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    case: str,
) -> None:
    exec_entry, works = CASES[case]
    empty = tmp_path / "empty"
    empty.mkdir()
    on_path = case != "eks-token-off-path"
    monkeypatch.setenv("PATH", f"{BIN_DIR}{os.pathsep}{empty}" if on_path else str(empty))
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, exec_entry)
    report, kubectl_ok = same_as_kubectl(kubectl, config, sts_standin)
    assert kubectl_ok == works
    if works:
        return
    expected = {
        "heptio-v1alpha1": ("exec-entry", "invalid apiVersion", "eks-token kubeconfig migrate"),
        "eks-token-off-path": ("exec-entry", "executable eks-token not found", str(BIN_DIR)),
        "v1-without-interactive-mode": (
            "exec-entry",
            "interactiveMode must be specified",
            "interactiveMode: Never",
        ),
        "v1-invalid-interactive-mode": ("exec-entry", "invalid interactiveMode", "IfAvailable"),
        "v1-interactive-always": ("exec-entry", "standard input is not a terminal", "terminal"),
        "another-cluster": ("authentication", "(401)", "eks-token map"),
        "env-profile-missing": ("plugin", "failed with exit code 1", "AWS_PROFILE"),
    }[case]
    check = next(c for c in report.checks if not c.ok)
    assert (check.name, expected[1] in check.summary, expected[2] in (check.fix or "")) == (
        expected[0],
        True,
        True,
    ), report.render()
    assert report.render().splitlines()[-1] == f"next: {check.fix}"


@pytest.mark.parametrize(
    "case", ["heptio-v1alpha1", "eks-token-off-path", "v1-without-interactive-mode"]
)
@pytest.mark.parametrize("command", ["whoami", "can-i"])
def test_whoami_and_can_i_refuse_what_kubectl_refuses(
    aws_env: AwsEnv,
    tmp_path: Path,
    server: ApiServer,
    case: str,
    command: str,
) -> None:
    exec_entry, _ = CASES[case]
    empty = tmp_path / "empty"
    empty.mkdir()
    path = str(empty) if case == "eks-token-off-path" else f"{BIN_DIR}{os.pathsep}{empty}"
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, exec_entry)
    args = [command, "--kubeconfig", str(config)]
    if command == "can-i":
        args[1:1] = ["get", "pods"]
    result = run_cli(*args, extra_env={"PATH": path})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: user 'test': "), result.stderr
    assert server.recorded == []


def test_a_relative_command_is_relative_to_the_kubeconfig_file(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
) -> None:
    # plugins/eks-token beside the kubeconfig starts the real one; the working directory is
    # elsewhere and PATH has no eks-token.
    write_script(
        tmp_path / "conf" / "plugins",
        "eks-token",
        f"import os, sys\nos.execv({str(BIN_DIR / 'eks-token')!r}, ['eks-token', *sys.argv[1:]])\n",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PATH", str(elsewhere))
    config = kube.write_kubeconfig(
        tmp_path / "conf" / "kubeconfig",
        server.url,
        server.ca_data,
        entry(V1, "plugins/eks-token", interactiveMode="Never"),
    )
    report, kubectl_ok = same_as_kubectl(kubectl, config, sts_standin)
    assert kubectl_ok
    details = report.checks[1].details
    assert details["executable"] == str(tmp_path / "conf" / "plugins" / "eks-token")


def recording_plugin(directory: Path, log: Path, *, reply: str = "fail") -> Path:
    """``eks-token`` that logs what kubectl gave it, then fails, or prints ``reply``."""
    body = (
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'info': os.environ.get('KUBERNETES_EXEC_INFO'),\n"
        "        'extra': os.environ.get('EXTRA'), 'args': sys.argv[1:],\n"
        "        'stdin': sys.stdin.read() if not sys.stdin.isatty() else None}) + '\\n')\n"
        f"reply = {reply!r}\n"
        "if reply == 'fail':\n"
        f"    sys.stderr.write('boom: AWS_SECRET_ACCESS_KEY=' + os.environ['AWS_SECRET_ACCESS_KEY']"
        f" + ' Authorization: Bearer k8s-aws-v1.c2VjcmV0 {SESSION_TOKEN}\\n')\n"
        "    sys.exit(1)\n"
        "print(reply)\n"
    )
    return write_script(directory, "eks-token", body)


@pytest.mark.parametrize("provide_cluster_info", [False, True])
def test_the_plugin_sees_what_kubectl_gives_it(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    provide_cluster_info: bool,
) -> None:
    log = tmp_path / "runs.log"
    recording_plugin(tmp_path / "bin", log)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    exec_entry = entry(
        V1,
        interactiveMode="IfAvailable",
        env=[{"name": "EXTRA", "value": "from-the-entry"}],
        provideClusterInfo=provide_cluster_info,
    )
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, exec_entry)
    kubectl_run = kubectl.run(config, "get", "pods")
    assert kubectl_run.returncode == 1
    by_kubectl = json.loads(log.read_text().splitlines()[0])
    log.unlink()
    report = doctor(config, sts_standin)
    by_doctor = json.loads(log.read_text().splitlines()[0])
    assert json.loads(by_doctor["info"]) == json.loads(by_kubectl["info"])
    assert by_doctor == by_kubectl
    assert by_doctor["extra"] == "from-the-entry"
    assert by_doctor["stdin"] == ""
    assert failed(report) == "plugin"
    text = report.render() + json.dumps(report.to_dict())
    assert "boom" in text
    for secret in (aws_env.secret_access_key, SESSION_TOKEN, "c2VjcmV0"):
        assert secret not in text


@pytest.mark.parametrize(
    ("reply", "complaint"),
    [
        ("this is not json", "not JSON"),
        (
            '{"apiVersion": "client.authentication.k8s.io/v1beta1", "status": {"token": "t"}}',
            "v1beta1",
        ),
        ('{"apiVersion": "client.authentication.k8s.io/v1", "status": {}}', "no status.token"),
        ('{"apiVersion": "client.authentication.k8s.io/v1"}', "no status field"),
        (
            '{"apiVersion": "client.authentication.k8s.io/v1", "status": {"token": "k8s-aws-v1.eA",'
            ' "expirationTimestamp": "tomorrow"}}',
            "not an RFC 3339 time",
        ),
    ],
)
def test_a_plugin_that_prints_no_usable_credential(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    reply: str,
    complaint: str,
) -> None:
    recording_plugin(tmp_path / "bin", tmp_path / "runs.log", reply=reply)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    config = kube.write_kubeconfig(
        tmp_path / "kubeconfig", server.url, server.ca_data, entry(V1, interactiveMode="Never")
    )
    report, _ = same_as_kubectl(kubectl, config, sts_standin)
    assert failed(report) == "plugin"
    assert complaint in report.checks[-1].summary
    assert "k8s-aws-v1.eA" not in report.render()


@pytest.mark.parametrize(
    ("mode", "terminal", "interactive"),
    [
        ("Never", True, False),
        ("IfAvailable", False, False),
        ("IfAvailable", True, True),
        ("Always", True, True),
    ],
)
def test_interactive_mode_decides_what_the_plugin_is_told(
    aws_env: AwsEnv,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    terminal: bool,
    interactive: bool,
) -> None:
    log = tmp_path / "runs.log"
    recording_plugin(tmp_path / "bin", log)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    config = kube.write_kubeconfig(
        tmp_path / "kubeconfig", server.url, server.ca_data, entry(V1, interactiveMode=mode)
    )
    # stdin stays this process's only when the plugin is told it is interactive
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115
    report = doctor(config, sts_standin, stdin_is_terminal=terminal)
    assert failed(report) == "plugin"
    run = json.loads(log.read_text().splitlines()[0])
    assert json.loads(run["info"])["spec"]["interactive"] is interactive
    assert report.checks[1].details["interactive"] is interactive
