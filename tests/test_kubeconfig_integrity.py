"""Kubeconfig integrity: never lose an entry, never change what kubectl reads.

Real ``eks-token kubeconfig`` processes against moto's EKS server, kubectl's
own lock file, and the real kubectl reading the files before and after.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from eks_token.errors import KubeconfigError
from eks_token.kubeconfig.lock import lock_path
from eks_token.kubeconfig.writer import update_file
from tests.kubeconfig_helpers import MOTO_ACCOUNT, create_cluster
from tests.support.cli import EKS_TOKEN
from tests.support.kube import Kubectl
from tests.support.moto_server import MotoServer

# kubectl runs the entries written here: eks-token is on PATH, as after activating the venv.
pytestmark = pytest.mark.usefixtures("eks_token_on_path")


def arn(name: str, region: str = "us-west-2") -> str:
    return f"arn:aws:eks:{region}:{MOTO_ACCOUNT}:cluster/{name}"


def child_env(moto_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"AWS_ENDPOINT_URL_EKS": moto_url, "AWS_ENDPOINT_URL_STS": moto_url})
    env.update(extra)
    return env


def start_writer(moto_url: str, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(EKS_TOKEN), "kubeconfig", *args],
        env=child_env(moto_url, **extra),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def view(kubectl: Kubectl, path: Path) -> dict[str, Any]:
    result = kubectl.run(path, "config", "view", "-o", "json", "--raw")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


# --- never lose an entry ---------------------------------------------------------------------


def test_thirty_concurrent_writers_keep_every_entry(
    moto_eks: MotoServer, tmp_path: Path, kubectl: Kubectl
) -> None:
    names = [f"c{i:02d}" for i in range(30)]
    for name in names:
        create_cluster(name, endpoint_url=moto_eks.url)
    target = tmp_path / "kc"

    def write(name: str) -> tuple[int, str]:
        process = start_writer(moto_eks.url, "--name", name, "--kubeconfig", str(target))
        _, err = process.communicate(timeout=300)
        return process.returncode, err

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(write, names))
    assert [code for code, _ in results] == [0] * 30, results
    document = view(kubectl, target)
    for section in ("clusters", "users", "contexts"):
        assert sorted(item["name"] for item in document[section]) == [arn(n) for n in names]
    assert sorted(p.name for p in tmp_path.iterdir() if "kc" in p.name) == ["kc"]


def test_eks_token_never_loses_what_kubectl_wrote_meanwhile(
    moto_eks: MotoServer, tmp_path: Path, kubectl: Kubectl
) -> None:
    # One kubectl writes clusters one after another while ten eks-token runs write theirs.
    # (kubectl itself computes its change from a read made before it takes the lock, so
    # kubectl runs can drop each other's or eks-token's entries: that is kubectl's
    # behaviour and not tested here.)
    names = [f"k{i:02d}" for i in range(10)]
    for name in names:
        create_cluster(name, endpoint_url=moto_eks.url)
    target = tmp_path / "kc"
    target.write_text("apiVersion: v1\nkind: Config\n")

    def ours(name: str) -> int:
        process = start_writer(moto_eks.url, "--name", name, "--kubeconfig", str(target))
        process.communicate(timeout=300)
        return process.returncode

    def theirs() -> list[str]:
        written = []
        for index in range(10):
            cluster = f"kubectl-{index}"
            result = kubectl.run(target, "config", "set-cluster", cluster, "--server=https://k")
            if result.returncode == 0:  # it fails at once when eks-token holds the lock
                written.append(cluster)
        return written

    with ThreadPoolExecutor(max_workers=11) as pool:
        kubectl_run = pool.submit(theirs)
        codes = list(pool.map(ours, names))
        kubectl_written = kubectl_run.result()
    assert codes == [0] * 10
    assert kubectl_written
    clusters = {item["name"] for item in view(kubectl, target)["clusters"]}
    assert set(kubectl_written) <= clusters


def test_writer_waits_for_kubectls_lock_and_writes_once_it_is_released(
    moto_eks: MotoServer, tmp_path: Path, kubectl: Kubectl
) -> None:
    create_cluster("prod", endpoint_url=moto_eks.url)
    target = tmp_path / "kc"
    target.write_text("apiVersion: v1\nkind: Config\n# held\n")
    before = target.read_bytes()
    lock = tmp_path / "kc.lock"
    lock.write_text("")  # what kubectl does while it writes
    process = start_writer(moto_eks.url, "--name", "prod", "--kubeconfig", str(target))
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # blocks until the writer finds the lock taken
        assert line == f"eks-token: waiting for {lock} (another kubectl or eks-token)\n"
        assert process.poll() is None
        assert target.read_bytes() == before
        lock.unlink()
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert out == f"Added new context {arn('prod')} to {target}\n"
    assert view(kubectl, target)["current-context"] == arn("prod")
    text = target.read_text()
    assert text.startswith("apiVersion: v1\nkind: Config\n")
    assert text.endswith("\n# held\n")
    assert not lock.exists()


def test_a_stale_lock_is_reported_not_broken(tmp_path: Path) -> None:
    target = tmp_path / "kc"
    target.write_text("kind: Config\n")
    lock = lock_path(target)
    lock.write_text("")
    with pytest.raises(KubeconfigError) as caught:
        update_file(target, lambda text: "changed\n", lock_timeout=0.05)
    assert f"if none is running, the lock is stale: remove {lock}" in str(caught.value)
    assert lock.exists()
    assert target.read_text() == "kind: Config\n"


def test_the_lock_is_released_when_the_change_fails(tmp_path: Path) -> None:
    target = tmp_path / "kc"
    target.write_text("kind: Config\n")

    def fail(text: str | None) -> str:
        assert lock_path(target).exists()
        raise KubeconfigError("broken on purpose")

    with pytest.raises(KubeconfigError, match="broken on purpose"):
        update_file(target, fail)
    assert not lock_path(target).exists()
    assert target.read_text() == "kind: Config\n"


def test_the_lock_is_released_on_sigterm(tmp_path: Path) -> None:
    target = tmp_path / "kc"
    target.write_text("kind: Config\n")

    def killed(text: str | None) -> str:
        os.kill(os.getpid(), signal.SIGTERM)
        return "never written\n"

    with pytest.raises(SystemExit) as caught:
        update_file(target, killed)
    assert caught.value.code == 128 + signal.SIGTERM
    assert not lock_path(target).exists()
    assert target.read_text() == "kind: Config\n"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_write_keeps_mode_and_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("kind: Config\n")
    real.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert update_file(link, lambda text: f"{text}# more\n") == real
    assert real.read_text() == "kind: Config\n# more\n"
    assert link.is_symlink()
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["link", "real"]


# --- read-only files and owners, as kubectl treats them --------------------------------------

NOBODY = 65534
needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changes owners: needs root"
)


def shared_directory(tmp_path: Path) -> Path:
    """A directory another user can reach (pytest's own tmp directories are 0700)."""
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="eks-token-shared-"))
    directory.chmod(0o777)
    return directory


def unreachable_for_nobody(path: Path) -> Path | None:
    """The first directory above ``path`` that another user cannot enter, if any
    (a checkout in a 0700 directory, such as one ``mktemp -d`` made)."""
    for directory in path.resolve().parents:
        status = directory.stat()
        if status.st_uid != NOBODY and not status.st_mode & 0o001:
            return directory
    return None


def skip_unless_nobody_can_run(*programs: Path) -> None:
    """Skip, saying why, when ``nobody`` could not start these programs or import eks_token."""
    import eks_token

    for program in (*programs, Path(eks_token.__file__)):
        blocked = unreachable_for_nobody(program)
        if blocked is not None:
            pytest.skip(
                f"runs {program.name} as nobody (uid {NOBODY}), who cannot enter {blocked} "
                "(not searchable by other users); clone into a directory others can enter"
            )


def as_nobody(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_root
def test_read_only_file_is_refused_as_kubectl_refuses_it(
    moto_eks: MotoServer, tmp_path: Path, kubectl: Kubectl
) -> None:
    import shutil

    skip_unless_nobody_can_run(kubectl.path, EKS_TOKEN)
    create_cluster("prod", endpoint_url=moto_eks.url)
    directory = shared_directory(tmp_path)
    try:
        target = directory / "kc"
        target.write_text("apiVersion: v1\nkind: Config\n")
        os.chown(target, NOBODY, NOBODY)
        target.chmod(0o444)
        before = target.read_bytes()
        env = child_env(moto_eks.url, HOME=str(directory), KUBECONFIG=str(target))
        theirs = as_nobody(
            [str(kubectl.path), "config", "set-cluster", "x", "--server=https://x"], env
        )
        assert theirs.returncode == 1
        assert str(target) in theirs.stderr
        ours = as_nobody([str(EKS_TOKEN), "kubeconfig", "--name", "prod"], env)
        assert ours.returncode == 1, ours.stderr
        assert ours.stdout == ""
        assert ours.stderr == (
            f"error: cannot write {target}: permission denied "
            "(the file is read-only for this user)\n"
        )
        assert target.read_bytes() == before
        assert sorted(p.name for p in directory.iterdir()) == ["kc"]
        # root may write a 0444 file, and kubectl does: so do we, and the mode stays.
        root_run = subprocess.run(
            [str(EKS_TOKEN), "kubeconfig", "--name", "prod", "--kubeconfig", str(target)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert root_run.returncode == 0, root_run.stderr
        assert target.stat().st_mode & 0o777 == 0o444
        assert (target.stat().st_uid, target.stat().st_gid) == (NOBODY, NOBODY)
    finally:
        shutil.rmtree(directory)


@needs_root
def test_root_keeps_the_users_ownership(moto_eks: MotoServer, tmp_path: Path) -> None:
    create_cluster("prod", endpoint_url=moto_eks.url)
    target = tmp_path / "kc"
    target.write_text("apiVersion: v1\nkind: Config\n")
    os.chown(target, NOBODY, NOBODY)
    target.chmod(0o640)
    process = start_writer(moto_eks.url, "--name", "prod", "--kubeconfig", str(target))
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    status = target.stat()
    assert (status.st_uid, status.st_gid, status.st_mode & 0o777) == (NOBODY, NOBODY, 0o640)
    assert arn("prod") in target.read_text()


@needs_root
def test_a_file_whose_owner_cannot_be_kept_is_refused(moto_eks: MotoServer, tmp_path: Path) -> None:
    import shutil

    skip_unless_nobody_can_run(EKS_TOKEN)
    create_cluster("prod", endpoint_url=moto_eks.url)
    directory = shared_directory(tmp_path)
    try:
        target = directory / "kc"
        target.write_text("apiVersion: v1\nkind: Config\n")
        target.chmod(0o666)  # root's file, writable by anyone: a new file would be nobody's
        before = target.read_bytes()
        env = child_env(moto_eks.url, HOME=str(directory))
        result = as_nobody(
            [str(EKS_TOKEN), "kubeconfig", "--name", "prod", "--kubeconfig", str(target)], env
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith(f"error: cannot write {target}: it belongs to uid 0")
        assert target.read_bytes() == before
        assert target.stat().st_uid == 0
        assert sorted(p.name for p in directory.iterdir()) == ["kc"]
    finally:
        shutil.rmtree(directory)
