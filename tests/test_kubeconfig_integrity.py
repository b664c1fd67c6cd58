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


# --- only regular files are replaced: devices written through, FIFOs and sockets refused ---


def null_device(tmp_path: Path) -> Path:
    """A node of the null device (1, 3) of the test's own, in ``tmp_path``."""
    import stat

    if not hasattr(os, "mknod") or os.geteuid() != 0:
        pytest.skip("making a character device node needs root")
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError as exc:
        pytest.skip(f"mknod is not permitted here: {exc}")
    return node


def is_null_device(node: Path) -> bool:
    import stat

    status = os.lstat(node)
    return stat.S_ISCHR(status.st_mode) and status.st_rdev == os.makedev(1, 3)


def test_a_character_device_is_written_through_as_kubectl_writes_it(
    moto_eks: MotoServer, tmp_path: Path, kubectl: Kubectl
) -> None:
    """KUBECONFIG=/dev/null, as root in CI: the device stays a device."""
    create_cluster("prod", endpoint_url=moto_eks.url)
    node = null_device(tmp_path)
    theirs = kubectl.run(node, "config", "set-cluster", "x", "--server=https://a")
    assert theirs.returncode == 0, theirs.stderr
    assert is_null_device(node)
    inode = os.lstat(node).st_ino
    process = start_writer(moto_eks.url, "--name", "prod", KUBECONFIG=str(node))
    out, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (0, "")
    assert out == f"Added new context {arn('prod')} to {node}\n"
    # Written through, not renamed over: the same node, and no temporary file left.
    assert is_null_device(node)
    assert os.lstat(node).st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["null"]


def test_a_symlink_to_a_character_device_stays_a_link_to_it(
    moto_eks: MotoServer, tmp_path: Path
) -> None:
    create_cluster("prod", endpoint_url=moto_eks.url)
    node = null_device(tmp_path)
    link = tmp_path / "config"
    link.symlink_to(node)
    process = start_writer(moto_eks.url, "--name", "prod", "--kubeconfig", str(link))
    _, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (0, "")
    assert link.is_symlink()
    assert os.readlink(link) == str(node)
    assert is_null_device(node)


@pytest.mark.parametrize("how", ["KUBECONFIG", "--kubeconfig", "--dry-run"])
@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_a_fifo_or_socket_is_refused_in_one_line_without_waiting(
    moto_eks: MotoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    how: str,
) -> None:
    import socket
    import stat

    create_cluster("prod", endpoint_url=moto_eks.url)
    monkeypatch.chdir(tmp_path)  # a socket's path must be short: bind it by its relative name
    target = tmp_path / kind
    listener = None
    if kind == "fifo":
        os.mkfifo(target)
    else:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(kind)
    try:
        before = os.lstat(target)
        args = ["--name", "prod"]
        extra = {"KUBECONFIG": str(target)}
        if how != "KUBECONFIG":
            args += ["--kubeconfig", str(target)]
            extra = {}
        if how == "--dry-run":
            args.append("--dry-run")
        process = start_writer(moto_eks.url, *args, **extra)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"eks-token kubeconfig waited on the {kind}")
        described = "a FIFO" if kind == "fifo" else "a socket"
        assert process.returncode == 1
        assert out == ""
        assert err == (
            f"error: {target} is {described}, not a regular file: a kubeconfig cannot be "
            "written there; name a regular file in --kubeconfig or KUBECONFIG\n"
        )
        after = os.lstat(target)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == [kind]
    finally:
        if listener is not None:
            listener.close()


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


# --- one atomic writer ---------------------------------------------------------------------


def test_one_atomic_writer_renames_files_into_place() -> None:
    """The token cache, the AWS CLI cache and kubeconfig files all go through
    eks_token.core.atomic_file: no other module renames a file into place."""
    import ast

    import eks_token

    package = Path(eks_token.__file__).parent
    renaming = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("replace", "rename", "mkstemp")
                and getattr(node.value, "id", None) in ("os", "tempfile")
            ):
                renaming.add(source.relative_to(package).as_posix())
    assert renaming == {"core/atomic_file.py"}


def test_a_failed_atomic_write_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    from eks_token.core.atomic_file import write_atomically

    target = tmp_path / "kc"
    target.write_text("kind: Config\n")

    def refuse(fd: int) -> None:
        raise KubeconfigError("refused on purpose")

    with pytest.raises(KubeconfigError, match="refused on purpose"):
        write_atomically(str(target), b"new\n", temp_prefix=".kc.", before_rename=refuse)
    assert target.read_text() == "kind: Config\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["kc"]
    write_atomically(str(target), b"new\n", temp_prefix=".kc.", mode=0o640, sync_directory=True)
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["kc"]
