"""Reading kubeconfigs: paths, kubectl's merge rules, entries and exec invocations."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.files import kubeconfig_paths, load_context, load_kubeconfig
from eks_token.kubeconfig.model import ExecEntry

CA = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def config(
    *names: str, current: str | None = None, exec_entry: dict[str, Any] | None = None
) -> dict[str, Any]:
    exec_block = exec_entry or {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws-iam-authenticator",
        "args": ["token", "-i", "x"],
    }
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": n,
                "cluster": {
                    "server": f"https://{n}.example",
                    "certificate-authority-data": base64.b64encode(CA).decode(),
                },
            }
            for n in names
        ],
        "users": [{"name": n, "user": {"exec": exec_block}} for n in names],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in names],
    }
    if current:
        doc["current-context"] = current
    return doc


def write(path: Path, doc: object) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


def test_paths_explicit_wins_over_kubeconfig_variable(tmp_path: Path) -> None:
    env = {"KUBECONFIG": "/a", "HOME": str(tmp_path)}
    assert kubeconfig_paths("/explicit", env) == [Path("/explicit")]


def test_paths_split_kubeconfig_and_drop_empty_parts(tmp_path: Path) -> None:
    env = {"KUBECONFIG": os.pathsep.join(["/a", "", "/b", "/a"]), "HOME": str(tmp_path)}
    assert kubeconfig_paths(None, env) == [Path("/a"), Path("/b")]


def test_paths_default_to_home_kube_config(tmp_path: Path) -> None:
    assert kubeconfig_paths(None, {"HOME": str(tmp_path)}) == [tmp_path / ".kube" / "config"]


def test_first_file_defining_a_name_wins_and_current_context_from_first_setter(
    tmp_path: Path,
) -> None:
    first = write(tmp_path / "one", config("a", "common"))
    second_doc = config("common", "b", current="b")
    second_doc["clusters"][0]["cluster"]["server"] = "https://second.example"
    second = write(tmp_path / "two", second_doc)
    merged = load_kubeconfig([tmp_path / "missing", first, second])
    assert merged.current_context == "b"
    assert merged.context_names() == ["a", "common", "b"]
    shared = merged.context("common")
    assert shared.cluster.server == "https://common.example"
    assert shared.source == first
    current = merged.context()
    assert current.name == "b"
    assert current.source == second
    assert current.cluster.certificate_authority_data == CA


def test_context_may_use_cluster_from_another_file(tmp_path: Path) -> None:
    clusters = write(tmp_path / "clusters", {"clusters": config("c")["clusters"]})
    rest = config("c", current="ctx")
    rest["contexts"] = [
        {"name": "ctx", "context": {"cluster": "c", "user": "c", "namespace": "team"}}
    ]
    del rest["clusters"]
    other = write(tmp_path / "rest", rest)
    view = load_kubeconfig([clusters, other]).context()
    assert view.namespace == "team"
    assert view.cluster.source == clusters
    assert view.user.source == other


def test_cluster_fields_and_exec_extension(tmp_path: Path) -> None:
    doc = {
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": "https://c.example",
                    "certificate-authority": "ca.pem",
                    "insecure-skip-tls-verify": True,
                    "tls-server-name": "api.internal",
                    "extensions": [
                        {"name": "other", "extension": {"x": 1}},
                        {
                            "name": "client.authentication.k8s.io/exec",
                            "extension": {"cluster-id": "prod", "region": "eu-west-1"},
                        },
                    ],
                },
            }
        ],
        "users": [{"name": "u", "user": {"token": "secret-bearer"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path = write(tmp_path / "cfg", doc)
    view = load_context(kubeconfig=str(path))
    assert view.cluster.certificate_authority == str(tmp_path / "ca.pem")
    assert view.cluster.certificate_authority_data is None
    assert view.cluster.insecure_skip_tls_verify is True
    assert view.cluster.tls_server_name == "api.internal"
    assert view.cluster.exec_extension == {"cluster-id": "prod", "region": "eu-west-1"}
    assert view.user.token == "secret-bearer"
    assert view.user.exec is None
    assert "secret-bearer" not in repr(view)


def test_exec_entry_fields_and_env_values_not_in_repr(tmp_path: Path) -> None:
    exec_block = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-token",
        "args": ["token", "-i", "c"],
        "env": [{"name": "AWS_PROFILE", "value": "dev"}, {"name": "SECRETISH", "value": "s3cr3t"}],
        "provideClusterInfo": True,
        "interactiveMode": "IfAvailable",
    }
    path = write(tmp_path / "cfg", config("c", current="c", exec_entry=exec_block))
    entry = load_context(environ={"KUBECONFIG": str(path)}).user.exec
    assert entry == ExecEntry(
        command="eks-token",
        args=["token", "-i", "c"],
        env={"AWS_PROFILE": "dev", "SECRETISH": "s3cr3t"},
        api_version="client.authentication.k8s.io/v1",
        provide_cluster_info=True,
        interactive_mode="IfAvailable",
    )
    assert "s3cr3t" not in repr(entry)


def test_load_context_reads_the_kubeconfig_variable(tmp_path: Path) -> None:
    one = write(tmp_path / "one", config("a"))
    two = write(tmp_path / "two", config("b", current="b"))
    env = {"KUBECONFIG": os.pathsep.join([str(one), str(two)])}
    assert load_context(environ=env).name == "b"
    assert load_context("a", environ=env).cluster.server == "https://a.example"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clusters: [\n  - name: a\n", "not valid YAML at line"),
        ("- just\n- a list\n", "is not a kubeconfig"),
        ("clusters: 5\n", "clusters must be a list"),
    ],
)
def test_corrupt_file_names_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken"
    path.write_text(text)
    with pytest.raises(KubeconfigError) as info:
        load_kubeconfig([path])
    assert str(path) in str(info.value)
    assert expected in str(info.value)
    assert info.value.path == str(path)


def test_missing_explicit_file_and_missing_context_are_clear(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="does not exist"):
        load_context(kubeconfig=str(tmp_path / "nope"))
    path = write(tmp_path / "cfg", config("a"))
    with pytest.raises(KubeconfigError, match=r"no current-context in .*cfg"):
        load_context(kubeconfig=str(path))
    with pytest.raises(KubeconfigError, match=r"no context 'zzz' in .*\(contexts: a\)"):
        load_context("zzz", kubeconfig=str(path))


def test_context_naming_an_undefined_cluster_or_user(tmp_path: Path) -> None:
    doc = config("a", current="a")
    doc["contexts"].append({"name": "b", "context": {"cluster": "nope", "user": "a"}})
    doc["contexts"].append({"name": "c", "context": {"cluster": "a", "user": "ghost"}})
    path = write(tmp_path / "cfg", doc)
    merged = load_kubeconfig([path])
    with pytest.raises(KubeconfigError, match="uses cluster 'nope'"):
        merged.context("b")
    with pytest.raises(KubeconfigError, match="uses user 'ghost'"):
        merged.context("c")


def test_bad_certificate_data_and_bad_exec_block(tmp_path: Path) -> None:
    doc = config("a", current="a")
    doc["clusters"][0]["cluster"]["certificate-authority-data"] = "***"
    with pytest.raises(KubeconfigError, match="certificate-authority-data is not base64"):
        load_kubeconfig([write(tmp_path / "cfg", doc)]).context()
    doc = config("a", current="a", exec_entry={"args": ["x"]})
    with pytest.raises(KubeconfigError, match="exec has no command"):
        load_kubeconfig([write(tmp_path / "cfg2", doc)]).context()


def test_importing_the_package_does_not_import_yaml() -> None:
    code = "import sys, eks_token.kubeconfig; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
