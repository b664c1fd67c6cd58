"""Reading a kubeconfig and choosing the credential as kubectl does: for every file below,
``eks-token doctor`` and the real ``kubectl auth whoami`` agree (both succeed or both fail)
against the local HTTPS API server, and files kubectl could hang on are refused at once."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.files import load_context, load_kubeconfig, read_document
from tests.doctor_helpers import doctor, failed, write_script
from tests.support import kube
from tests.support.api_server import ApiServer, Rule
from tests.support.aws_env import AwsEnv
from tests.support.cli import BIN_DIR, assert_clean_failure, run_cli
from tests.support.kube import Kubectl
from tests.support.moto_server import MotoServer
from tests.support.sts_standin import StsStandin

V1 = "client.authentication.k8s.io/v1"
GOOD_EXEC = {
    "apiVersion": V1,
    "command": "eks-token",
    "args": ["token", "-i", "my-cluster"],
    "interactiveMode": "Never",
}


@pytest.fixture
def server() -> Iterator[ApiServer]:
    with ApiServer(rules=[Rule("get", "pods", namespace="default")]) as api:
        yield api


def agree(kubectl: Kubectl, config: Path, standin: StsStandin, **env: str) -> bool:
    """Whether kubectl authenticates with ``config``, after asserting the doctor agrees."""
    result = kubectl.run(config, "auth", "whoami", env=env)
    report = doctor(config, standin)
    assert report.ok == (result.returncode == 0), (result.stderr, report.render())
    return result.returncode == 0


def good_config(path: Path, server: ApiServer, **user: Any) -> dict[str, Any]:
    """A kubeconfig document whose user runs eks-token, plus ``user``'s keys."""
    kube.write_kubeconfig(path, server.url, server.ca_data, GOOD_EXEC)
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    document["users"][0]["user"].update(user)
    return document


# --- the file's bytes: encodings and documents -----------------------------------------------

ENCODINGS: dict[str, tuple[Callable[[str], bytes], bool]] = {
    "utf-8 with a byte order mark": (lambda text: b"\xef\xbb\xbf" + text.encode(), True),
    "utf-16 le with a byte order mark": (lambda t: b"\xff\xfe" + t.encode("utf-16-le"), True),
    "utf-16 be with a byte order mark": (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), True),
    "utf-16 le without a byte order mark": (lambda t: t.encode("utf-16-le"), False),
    "a second document": (lambda t: (t + "---\nkind: Other\n").encode(), True),
    "a broken second document": (lambda t: (t + "---\nkey: [unclosed\n: :\n").encode(), True),
}


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_files_kubectl_reads_the_doctor_reads(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    case: str,
) -> None:
    encode, works = ENCODINGS[case]
    monkeypatch.setenv("PATH", str(BIN_DIR))
    config = tmp_path / "kubeconfig"
    text = yaml.safe_dump(good_config(config, server), sort_keys=False)
    config.write_bytes(encode(text))
    assert agree(kubectl, config, sts_standin) == works
    if not works:
        with pytest.raises(KubeconfigError, match=f"{config} holds NUL characters"):
            load_context(kubeconfig=str(config))


def test_an_empty_first_document_is_an_empty_kubeconfig_as_for_kubectl(
    tmp_path: Path, kubectl: Kubectl
) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text("---\n---\ncurrent-context: later\nusers: [{name: u, user: {}}]\n")
    view = kubectl.run(config, "config", "view", "-o", "jsonpath={.current-context}")
    assert (view.returncode, view.stdout) == (0, "")
    assert read_document(config) == {}
    assert load_kubeconfig([config]).current_context is None


def test_bytes_that_are_not_utf8_name_the_file(tmp_path: Path, kubectl: Kubectl) -> None:
    config = tmp_path / "kubeconfig"
    config.write_bytes(b"current-context: caf\xe9\n")
    assert kubectl.run(config, "config", "view").returncode == 1
    with pytest.raises(KubeconfigError, match=f"^{config} is not UTF-8 text"):
        read_document(config)


# --- which credential kubectl uses ---------------------------------------------------------


def client_certificate(tmp_path: Path) -> dict[str, str]:
    """A real client certificate and key (kubectl loads them before it connects)."""
    issued = trustme.CA().issue_cert("alice@example.com")
    cert = b"".join(blob.bytes() for blob in issued.cert_chain_pems)
    return {
        "client-certificate-data": base64.b64encode(cert).decode(),
        "client-key-data": base64.b64encode(issued.private_key_pem.bytes()).decode(),
    }


STATIC: dict[str, tuple[Callable[[Path], dict[str, Any]], str, bool]] = {
    # kubectl sends these instead of running the exec entry (and gets 401)
    "token": (lambda _: {"token": "static-token"}, "(token)", False),
    "tokenFile": (lambda tmp: {"tokenFile": str(tmp / "token")}, "(tokenFile)", False),
    "client certificate": (
        client_certificate,
        "(client-certificate-data, client-key-data)",
        False,
    ),
    "username": (lambda _: {"username": "u", "password": "p"}, "(username, password)", False),
    # kubectl refuses these outright
    "token and username": (
        lambda _: {"token": "t", "username": "u"},
        "more than one authentication method",
        False,
    ),
    "certificate without key": (
        lambda tmp: {"client-certificate-data": client_certificate(tmp)["client-key-data"]},
        "client-key-data or client-key must be specified",
        False,
    ),
    "auth-provider": (
        lambda _: {"auth-provider": {"name": "oidc", "config": {}}},
        "authProvider cannot be provided in combination with an exec plugin",
        False,
    ),
    # not a credential kubectl uses: the exec entry runs
    "password alone": (lambda _: {"password": "p"}, "", True),
    "key alone": (lambda tmp: {"client-key-data": "a2V5"}, "", True),
    "empty token": (lambda _: {"token": ""}, "", True),
}


@pytest.mark.parametrize("case", sorted(STATIC))
def test_a_static_credential_beside_exec_is_what_kubectl_sends(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    case: str,
) -> None:
    make, says, works = STATIC[case]
    monkeypatch.setenv("PATH", str(BIN_DIR))
    (tmp_path / "token").write_text("static-token\n")
    config = tmp_path / "kubeconfig"
    config.write_text(yaml.safe_dump(good_config(config, server, **make(tmp_path))))
    assert agree(kubectl, config, sts_standin) == works
    report = doctor(config, sts_standin)
    if works:
        return
    assert failed(report) == "exec-entry"
    check = next(c for c in report.checks if not c.ok)
    assert says in check.summary, report.render()
    if says.startswith("("):
        assert "kubectl never runs the exec entry" in check.summary
        assert check.fix is not None
        assert check.fix.startswith("remove " + says.strip("()"))
    # the static values themselves are never shown
    assert "static-token" not in report.render()


def test_whoami_sends_the_static_token_kubectl_sends(
    aws_env: AwsEnv, tmp_path: Path, server: ApiServer
) -> None:
    config = tmp_path / "kubeconfig"
    (tmp_path / "token").write_text("from-the-file\n")
    for user, sent in (
        ({"token": "static-token"}, "static-token"),
        ({"tokenFile": "token"}, "from-the-file"),  # relative to the kubeconfig's directory
    ):
        config.write_text(yaml.safe_dump(good_config(config, server, **user)))
        result = run_cli("whoami", "--kubeconfig", str(config), extra_env={"PATH": str(BIN_DIR)})
        assert result.returncode == 1, result.stderr
        assert server.tokens[-1] == sent


# --- the command kubectl runs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path_of", "works"),
    [
        (lambda bin_dir: ".", False),
        (lambda bin_dir: f"{os.pathsep}/nonexistent", False),
        (lambda bin_dir: f"/nonexistent{os.pathsep}", False),
        (lambda bin_dir: "bin", False),
        # the first match wins: kubectl refuses it even when a later entry has the command
        (lambda bin_dir: f".{os.pathsep}{bin_dir}", False),
        (lambda bin_dir: f"{bin_dir}{os.pathsep}.", True),
        # Go's switch that lets kubectl run what it finds there
        (lambda bin_dir: "GODEBUG=execerrdot=0 .", True),
    ],
    ids=[
        "dot",
        "empty-first",
        "empty-last",
        "relative",
        "dot-before-absolute",
        "absolute-first",
        "dot-with-execerrdot-0",
    ],
)
def test_a_command_found_relative_to_the_working_directory_is_refused_as_kubectl_refuses_it(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    path_of: Callable[[Path], str],
    works: bool,
) -> None:
    real = str(BIN_DIR / "eks-token")
    forwarder = f"import os, sys\nos.execv({real!r}, ['eks-token', *sys.argv[1:]])\n"
    write_script(tmp_path / "bin", "eks-token", forwarder)
    absolute = tmp_path / "absolute"
    write_script(absolute, "eks-token", forwarder)
    search = path_of(absolute)
    if search.startswith("GODEBUG="):
        setting, _, search = search.partition(" ")
        monkeypatch.setenv("GODEBUG", setting.partition("=")[2])
    monkeypatch.chdir(tmp_path / "bin" if search != "bin" else tmp_path)
    monkeypatch.setenv("PATH", search)
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, GOOD_EXEC)
    assert agree(kubectl, config, sts_standin) == works
    if works:
        return
    report = doctor(config, sts_standin)
    assert failed(report) == "exec-entry"
    assert "executable eks-token not found" in report.checks[-1].summary
    assert "relative to the working directory" in report.checks[-1].summary


# --- what the plugin prints ----------------------------------------------------------------

#: Python expressions the wrapper plugin evaluates: ``info`` is KUBERNETES_EXEC_INFO, ``token``
#: the token the real eks-token signed, ``reply`` the ExecCredential it printed.
REPLIES: dict[str, tuple[str, bool]] = {
    "a utf-8 byte order mark": ("b'\\xef\\xbb\\xbf' + reply.encode()", True),
    "utf-16 with a byte order mark": ("b'\\xff\\xfe' + reply.encode('utf-16-le')", True),
    "yaml": (
        "('apiVersion: ' + info['apiVersion'] + '\\nkind: ExecCredential\\n'"
        " + 'status:\\n  token: ' + token + '\\n').encode()",
        True,
    ),
    "no kind": ("reply.replace('\"kind\": \"ExecCredential\", ', '').encode()", True),
    "another kind": ("reply.replace('ExecCredential', 'Other').encode()", False),
    "no apiVersion": (
        "reply.replace('\"apiVersion\": \"' + info['apiVersion'] + '\", ', '').encode()",
        False,
    ),
    "text after the object": ("(reply + ' more').encode()", False),
}


@pytest.mark.parametrize("case", sorted(REPLIES))
def test_the_plugin_output_is_read_as_kubectl_reads_it(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
    kubectl: Kubectl,
    case: str,
) -> None:
    expression, works = REPLIES[case]
    # the real eks-token signs the token; the wrapper prints it the way the case says
    body = (
        "import json, os, subprocess, sys\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        f"out = subprocess.run([{str(BIN_DIR / 'eks-token')!r}, *sys.argv[1:]],"
        " capture_output=True, check=True).stdout\n"
        "token = json.loads(out)['status']['token']\n"
        "reply = json.dumps({'kind': 'ExecCredential', 'apiVersion': info['apiVersion'],"
        " 'status': {'token': token}})\n"
        f"sys.stdout.buffer.write({expression})\n"
    )
    write_script(tmp_path / "bin", "eks-token", body)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, GOOD_EXEC)
    assert agree(kubectl, config, sts_standin) == works
    if not works:
        assert failed(doctor(config, sts_standin)) == "plugin"


def test_a_plugin_printing_without_end_is_stopped_with_one_line(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ApiServer,
    sts_standin: StsStandin,
) -> None:
    # 300 MB of blanks before a credential: the doctor reads a little past its limit, stops
    # the plugin, and says so (kubectl would buffer all of it)
    body = (
        "import sys\n"
        "blank = b' ' * (1 << 20)\n"
        "for _ in range(300):\n"
        "    sys.stdout.buffer.write(blank)\n"
        "sys.stdout.buffer.write(b'{}')\n"
    )
    write_script(tmp_path / "bin", "eks-token", body)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", server.url, server.ca_data, GOOD_EXEC)
    report = doctor(config, sts_standin)
    assert failed(report) == "plugin"
    check = report.checks[-1]
    assert check.summary == (
        "eks-token printed more than 1 MiB on stdout; the doctor stopped it "
        "there (an ExecCredential is a few kilobytes: the plugin prints something else)"
    )


# --- files kubectl would hang on, and symlink loops ----------------------------------------


def special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop-back")
    (tmp_path / "loop-back").symlink_to(loop)
    return {
        "a FIFO": fifo,
        "a character device": endless_device(tmp_path),
        "a symbolic link loop": loop,
    }


def endless_device(tmp_path: Path) -> Path:
    """A character device in ``tmp_path`` that reads zeros without end, as /dev/zero does (a
    writer locks beside the file it writes, so the real one is not used)."""
    import stat

    device = tmp_path / "zero"
    zero = os.stat("/dev/zero")
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, zero.st_rdev)
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    return device


COMMANDS: dict[str, Callable[[Path], tuple[list[str], dict[str, str]]]] = {
    "doctor": lambda f: (["doctor"], {"KUBECONFIG": str(f)}),
    "doctor --kubeconfig": lambda f: (["doctor", "--kubeconfig", str(f)], {}),
    "whoami": lambda f: (["whoami"], {"KUBECONFIG": str(f)}),
    "kubeconfig migrate": lambda f: (["kubeconfig", "migrate"], {"KUBECONFIG": str(f)}),
    "kubeconfig migrate --kubeconfig": lambda f: (
        ["kubeconfig", "migrate", "--kubeconfig", str(f)],
        {},
    ),
    "kubeconfig": lambda f: (["kubeconfig", "--name", "prod"], {"KUBECONFIG": str(f)}),
    "kubeconfig --kubeconfig": lambda f: (
        ["kubeconfig", "--name", "prod", "--kubeconfig", str(f)],
        {},
    ),
    "map --aws-auth": lambda f: (
        ["map", "--aws-auth", str(f), "--arn", "arn:aws:iam::111122223333:user/alice"],
        {},
    ),
}


@pytest.mark.parametrize("kind", ["a FIFO", "a character device", "a symbolic link loop"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_file_that_is_not_a_regular_file_is_refused_in_one_line(
    moto_eks: MotoServer, tmp_path: Path, command: str, kind: str
) -> None:
    from tests.kubeconfig_helpers import create_cluster

    create_cluster("prod", endpoint_url=moto_eks.url)
    path = special_files(tmp_path)[kind]
    args, env = COMMANDS[command](path)
    try:
        result = subprocess.run(
            [str(BIN_DIR / "eks-token"), *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is for
        pytest.fail(f"eks-token {' '.join(args)} hung on {kind}")
    said = f"{path} is {kind}" + (", not a regular file" if kind != "a symbolic link loop" else "")
    if command.startswith("doctor"):
        assert result.returncode == 1
        assert f"[FAIL] kubeconfig       {said}" in result.stdout, result.stdout
        assert "Traceback" not in result.stderr + result.stdout
    else:
        assert_clean_failure(result, status=(1, 2), mentions=said)


def test_map_reads_the_configmap_from_stdin(aws_env: AwsEnv, tmp_path: Path) -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "data": {
            "mapUsers": "- userarn: arn:aws:iam::111122223333:user/alice\n"
            "  username: alice\n  groups: [devs]\n"
        },
    }
    text = yaml.safe_dump(configmap)
    result = subprocess.run(
        [
            str(BIN_DIR / "eks-token"),
            "map",
            "--aws-auth",
            "-",
            "--arn",
            "arn:aws:iam::111122223333:user/alice",
        ],
        input=b"\xff\xfe" + text.encode("utf-16-le"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert b'"username": "alice"' in result.stdout
