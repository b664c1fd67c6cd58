"""The token cache as kubectl meets it: real ``eks-token`` processes, in turn and at once."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_token.aws.signer import TokenSigner
from eks_token.cache.entry import key_text
from eks_token.cache.file_cache import FileTokenCache
from eks_token.cache.files import entry_name, lock_name
from eks_token.core.token import TOKEN_LIFETIME, Token
from tests.support.api_server import ApiServer
from tests.support.aws_env import AwsEnv
from tests.support.cache_entries import fake_token_value
from tests.support.cli import EKS_TOKEN, run_cli, served_status
from tests.support.kube import Kubectl, WriteKubeconfig
from tests.support.moto_server import MotoServer
from tests.support.sts_standin import StsStandin

SIGNED = "eks-token: signed for cluster"
FROM_CACHE = "from the cache"


def cache_dir(aws_env: AwsEnv) -> Path:
    return aws_env.home / ".kube" / "cache" / "eks-token"


def signed(*args: str, **env: str) -> bool:
    """Run ``eks-token token -i my-cluster -v ARGS``; True when it signed, False when cached."""
    result = run_cli("token", "-i", "my-cluster", "-v", *args, extra_env=env)
    served_status(result)
    assert (SIGNED in result.stderr) != (FROM_CACHE in result.stderr), result.stderr
    return SIGNED in result.stderr


def test_second_run_is_served_from_the_cache(aws_env: AwsEnv) -> None:
    first = run_cli("token", "-i", "my-cluster", "-v")
    second = run_cli("token", "-i", "my-cluster", "-v")
    assert SIGNED in first.stderr
    assert FROM_CACHE in second.stderr
    assert second.stdout == first.stdout
    directory = cache_dir(aws_env)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    (entry,) = directory.glob("*.entry")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    quiet = run_cli("token", "-i", "my-cluster")
    assert quiet.stderr == ""
    assert quiet.stdout == first.stdout


def test_both_commands_and_every_output_form_share_the_entry(aws_env: AwsEnv) -> None:
    first = served_status(run_cli("token", "-i", "my-cluster"))
    v1 = '{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
    forms = [
        run_cli("get-token", "--cluster-name", "my-cluster", "--output", "json"),
        run_cli("token", "--cluster-id=my-cluster", extra_env={"KUBERNETES_EXEC_INFO": v1}),
        run_cli(
            "token",
            "--token-only",
            extra_env={"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "my-cluster"},
        ),
    ]
    assert served_status(forms[0]) == first
    assert json.loads(forms[1].stdout)["apiVersion"] == "client.authentication.k8s.io/v1"
    assert served_status(forms[1]) == first
    assert forms[2].stdout == first["token"] + "\n"


@pytest.fixture
def profiles(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[default]\n[profile dev]\n")
    aws_env.credentials_file.write_text("[default]\n")


@pytest.mark.parametrize(
    ("change", "env"),
    [
        ("AWS_PROFILE", {"AWS_PROFILE": "dev"}),
        ("AWS_ACCESS_KEY_ID", {"AWS_ACCESS_KEY_ID": "AKIAI44QH8DHBEXAMPLE"}),
        ("AWS_REGION", {"AWS_REGION": "eu-west-1"}),
        ("credentials file", {}),
    ],
)
def test_a_changed_identity_or_region_signs_again(
    aws_env: AwsEnv, profiles: None, change: str, env: dict[str, str]
) -> None:
    assert signed()
    assert not signed()
    if change == "credentials file":
        aws_env.credentials_file.write_text("[default]\n[other]\nregion = us-east-1\n")
    assert signed(**env)
    assert not signed(**env)


@pytest.mark.parametrize("directory", [".aws/sso/cache", ".aws/cli/cache"])
def test_aws_sso_login_makes_the_next_call_sign(aws_env: AwsEnv, directory: str) -> None:
    assert signed()
    assert not signed()
    # What `aws sso login` (or the AWS CLI's role cache) leaves behind.
    login = aws_env.home / directory
    login.mkdir(parents=True)
    (login / "d033e22ae348aeb5660fc2140aec35850c4da997.json").write_text("{}")
    assert signed()
    assert not signed()


def test_a_changed_role_signs_again(moto_sts: MotoServer) -> None:
    role_a = "arn:aws:iam::111122223333:role/a"
    role_b = "arn:aws:iam::111122223333:role/b"
    assert signed("-r", role_a)
    assert not signed("-r", role_a)
    assert signed("-r", role_b)
    assert signed()
    assert not signed("--role", role_b)


def _plant(aws_env: AwsEnv, left: timedelta) -> Token:
    """An entry for ``token -i my-cluster`` in this environment with ``left`` to live."""
    expiration = datetime.now(timezone.utc).replace(microsecond=0) + left
    planted = Token(fake_token_value(expiration - TOKEN_LIFETIME), expiration, "my-cluster")
    key = TokenSigner().cache_key("my-cluster")
    FileTokenCache(cache_dir(aws_env)).put(key, planted)
    return planted


def test_an_entry_is_served_only_with_more_than_six_minutes_left(aws_env: AwsEnv) -> None:
    planted = _plant(aws_env, timedelta(minutes=7))
    served = served_status(run_cli("token", "-i", "my-cluster"))
    assert served == {"expirationTimestamp": planted.expiration_timestamp, "token": planted.value}
    replanted = _plant(aws_env, timedelta(minutes=5, seconds=50))
    renewed = served_status(run_cli("token", "-i", "my-cluster"))
    assert renewed["token"] != replanted.value
    assert renewed["expirationTimestamp"] > planted.expiration_timestamp


def test_what_a_killed_writer_leaves_is_never_served(aws_env: AwsEnv) -> None:
    directory = cache_dir(aws_env)
    directory.mkdir(parents=True, mode=0o700)
    name = entry_name(key_text(TokenSigner().cache_key("my-cluster")))
    planted = _plant(aws_env, timedelta(minutes=10))
    entry = directory / name
    entry.write_bytes(entry.read_bytes()[:-30])  # torn write
    holder = subprocess.Popen(
        [sys.executable, "-c", "import os, time; time.sleep(60)"],
    )
    leftover = directory / f".tmp-{holder.pid}-0123456789ab"
    leftover.write_bytes(
        b"eks-token cache entry 1\nexpires 9999999999\ntoken " + planted.value.encode()
    )
    locker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import fcntl, os, sys; fd = os.open({str(directory / lock_name(name))!r}, "
            "os.O_RDWR | os.O_CREAT, 0o600); fcntl.flock(fd, fcntl.LOCK_EX); print('locked', "
            "flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert locker.stdout is not None
    assert locker.stdout.readline() == "locked\n"
    locker.send_signal(signal.SIGKILL)
    locker.wait()
    holder.kill()
    holder.wait()
    result = run_cli("token", "-i", "my-cluster", "-v")
    assert served_status(result)["token"] != planted.value
    assert SIGNED in result.stderr
    assert "corrupt" in result.stderr
    assert not leftover.exists()
    assert FROM_CACHE in run_cli("token", "-i", "my-cluster", "-v").stderr


@pytest.mark.parametrize("how", ["symlink", "world-writable"])
def test_an_unsafe_cache_directory_is_refused_and_the_token_still_printed(
    aws_env: AwsEnv, tmp_path: Path, how: str
) -> None:
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    directory = real
    if how == "symlink":
        directory = tmp_path / "linked-cache"
        directory.symlink_to(real)
    else:
        real.chmod(0o777)
    env = {"EKS_TOKEN_CACHE_DIR": str(directory)}
    quiet = run_cli("token", "-i", "my-cluster", extra_env=env)
    served_status(quiet)
    assert quiet.stderr == ""
    loud = run_cli("token", "-i", "my-cluster", "-v", extra_env=env)
    served_status(loud)
    assert "warning: not using the token cache" in loud.stderr
    assert ("symbolic link" if how == "symlink" else "open to other users") in loud.stderr
    assert SIGNED in loud.stderr
    assert list(real.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--no-cache"], {}),
        ([], {"EKS_TOKEN_NO_CACHE": "1"}),
        (["--signing-time", "2026-11-28T21:19:04Z"], {}),
    ],
    ids=["--no-cache", "EKS_TOKEN_NO_CACHE", "--signing-time"],
)
def test_turning_the_cache_off(aws_env: AwsEnv, args: list[str], env: dict[str, str]) -> None:
    assert signed(*args, **env)
    assert signed(*args, **env)
    assert not cache_dir(aws_env).exists()


def test_the_go_tools_cache_flag_is_accepted(aws_env: AwsEnv) -> None:
    assert signed("--cache")
    assert not signed("--cache")


def test_cache_list_and_clear(aws_env: AwsEnv) -> None:
    token = served_status(run_cli("token", "-i", "my-cluster"))["token"]
    listing = run_cli("cache", "list")
    assert listing.returncode == 0, listing.stderr
    assert "my-cluster" in listing.stdout
    assert "us-west-2" in listing.stdout
    assert "fresh" in listing.stdout
    assert token not in listing.stdout
    assert token[20:60] not in listing.stdout
    cleared = run_cli("cache", "clear")
    assert cleared.stdout.startswith("removed 1 cached token from ")
    assert "no cached tokens" in run_cli("cache", "list").stdout
    assert not list(cache_dir(aws_env).iterdir())


def test_fifty_processes_missing_at_once_sign_only_a_few_times(aws_env: AwsEnv) -> None:
    children = [
        subprocess.Popen(
            [str(EKS_TOKEN), "token", "-i", "my-cluster", "-v"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(50)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * 50, outputs
    tokens = {json.loads(out)["status"]["token"] for out, _ in outputs}
    signers = sum(SIGNED in err for _, err in outputs)
    assert 1 <= signers <= 3, signers
    assert len(tokens) <= signers


def test_kubectl_twice_with_the_cache(
    aws_env: AwsEnv, api_server: ApiServer, kubectl: Kubectl, write_kubeconfig: WriteKubeconfig
) -> None:
    entry = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(EKS_TOKEN),
        "args": ["token", "-i", "my-cluster", "-v"],
        "interactiveMode": "Never",
    }
    kubeconfig = write_kubeconfig(api_server.url, api_server.ca_data, entry)
    first = kubectl.run(kubeconfig, "auth", "whoami", "-o", "json")
    second = kubectl.run(kubeconfig, "auth", "whoami", "-o", "json")
    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["status"]["userInfo"]["username"] == "alice"
    assert SIGNED in first.stderr
    assert FROM_CACHE in second.stderr
    assert SIGNED not in second.stderr
    seen = [token for token in api_server.tokens if token]
    assert len(seen) >= 2
    assert len(set(seen)) == 1


def test_an_entry_signed_ahead_of_the_clock_is_signed_again(
    aws_env: AwsEnv, sts_standin: StsStandin
) -> None:
    """An entry written while the clock was 20 minutes ahead (``faketime -f +20m``; here the
    library's cache API with ``now`` 20 minutes on): STS refuses its token until then, so it
    is never served. ``cache list`` says so, decode and verify flag the token, and the next
    call signs again with the clock as it is."""
    from eks_token import get_token

    ahead = datetime.now(timezone.utc) + timedelta(minutes=20)
    kept = get_token("my-cluster", now=ahead, cache=FileTokenCache()).value
    listed = run_cli("cache", "list")
    assert listed.returncode == 0, listed.stderr
    assert "from the future: signed 19 min ahead of this clock" in listed.stdout
    assert "fresh" not in listed.stdout
    decoded = run_cli("decode", kept)
    assert decoded.returncode == 1
    assert [f["rule"] for f in json.loads(decoded.stdout)["failed_rules"]] == ["future"]
    verified = run_cli(
        "verify", "-i", "my-cluster", "-t", kept, "--sts-endpoint-url", sts_standin.url
    )
    assert verified.returncode == 1
    assert "signed 19 minutes after this machine's time" in verified.stderr
    assert sts_standin.recorded == []  # refused before STS is asked
    result = run_cli("token", "-i", "my-cluster", "-v")
    assert SIGNED in result.stderr, result.stderr
    token = served_status(result)["token"]
    assert token != kept
    assert run_cli("decode", token).returncode == 0
    # The entry is replaced by the token signed now, which is served from then on.
    assert "fresh" in run_cli("cache", "list").stdout
    assert not signed()
