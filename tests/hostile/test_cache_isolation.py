"""Cache isolation: the token cache never serves one request a token made for another.

Each case runs the real command twice (or the file cache from threads) with
environments that botocore reads differently, and checks that what the cache
serves is what signing afresh would give: the same access key, region and host.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eks_token.cache.file_cache import FileTokenCache, fetch_or_sign
from eks_token.core.paths import expand_user, expand_vars, expand_vars_and_user
from eks_token.core.token import Token
from tests.hostile.helpers import PYTHON, run_eks_token, served_token, token_facts
from tests.support.aws_env import AwsEnv
from tests.support.cache_entries import NOW, token
from tests.support.cli import EKS_TOKEN

KEY_A = ("AKIAAAAAAAAAAAAAAAAA", "secretAsecretAsecretAsecretAsecretAsecre")
KEY_B = ("AKIABBBBBBBBBBBBBBBB", "secretBsecretBsecretBsecretBsecretBsecre")
#: Guards against a hung test only; a passing test never waits this long.
WAIT = 30


def _file_env(aws_env: AwsEnv) -> dict[str, str]:
    """The test's environment without credential or region variables: files decide."""
    env = dict(os.environ)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        env.pop(name, None)
    return env


def _credentials_dir(base: Path, name: str, key: tuple[str, str], region: str) -> Path:
    folder = base / name
    folder.mkdir()
    # Same sizes in both directories: only the path tells them apart.
    (folder / "creds").write_text(
        f"[default]\naws_access_key_id = {key[0]}\naws_secret_access_key = {key[1]}\n"
    )
    (folder / "config").write_text(f"[default]\nregion = {region}\n")
    return folder


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_SHARED_CREDENTIALS_FILE", "$CREDDIR/creds"),
        ("AWS_SHARED_CREDENTIALS_FILE", "${CREDDIR}/creds"),
        ("AWS_CONFIG_FILE", "$CREDDIR/config"),
    ],
)
def test_a_variable_in_a_file_path_is_expanded_before_keying(
    aws_env: AwsEnv, tmp_path: Path, variable: str, value: str
) -> None:
    env = _file_env(aws_env)
    a = _credentials_dir(tmp_path, "a", KEY_A, "eu-west-1")
    b = _credentials_dir(tmp_path, "b", KEY_B, "eu-central-1")
    env["AWS_SHARED_CREDENTIALS_FILE"] = "$CREDDIR/creds"
    env["AWS_CONFIG_FILE"] = str(a / "config")
    env[variable] = value
    if variable == "AWS_CONFIG_FILE":
        # Credentials stay A's; only the region comes from the switched file.
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(a / "creds")
    first = token_facts(
        served_token(run_eks_token("token", "-i", "c", env={**env, "CREDDIR": str(a)}))
    )
    second = token_facts(
        served_token(run_eks_token("token", "-i", "c", env={**env, "CREDDIR": str(b)}))
    )
    assert first.access_key_id == KEY_A[0]
    assert first.region == "eu-west-1"
    if variable == "AWS_CONFIG_FILE":
        assert second.region == "eu-central-1"
    else:
        assert second.access_key_id == KEY_B[0]


def test_a_tilde_in_a_file_path_follows_home(aws_env: AwsEnv, tmp_path: Path) -> None:
    env = _file_env(aws_env)
    a = _credentials_dir(tmp_path, "a", KEY_A, "eu-west-1")
    b = _credentials_dir(tmp_path, "b", KEY_B, "eu-west-1")
    env["AWS_SHARED_CREDENTIALS_FILE"] = "~/creds"
    env["AWS_CONFIG_FILE"] = "~/config"
    first = served_token(run_eks_token("token", "-i", "c", env={**env, "HOME": str(a)}))
    second = served_token(run_eks_token("token", "-i", "c", env={**env, "HOME": str(b)}))
    assert token_facts(first).access_key_id == KEY_A[0]
    assert token_facts(second).access_key_id == KEY_B[0]


#: variable -> the profile setting that an empty value overrides when signing.
EMPTY_OVERRIDES = {
    "AWS_USE_FIPS_ENDPOINT": "use_fips_endpoint = true",
    "AWS_USE_DUALSTACK_ENDPOINT": "use_dualstack_endpoint = true",
    "AWS_STS_REGIONAL_ENDPOINTS": "sts_regional_endpoints = legacy",
    "AWS_DEFAULT_REGION": "region = eu-west-1",
    "AWS_REGION": "region = eu-west-1",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "endpoint_url = https://sts.eu-west-3.amazonaws.com",
    "AWS_ENDPOINT_URL_STS": "endpoint_url = https://sts.eu-west-3.amazonaws.com",
    "AWS_CONFIG_FILE": "region = eu-west-1",
}


@pytest.mark.parametrize("variable", sorted(EMPTY_OVERRIDES))
def test_a_set_but_empty_variable_is_not_an_unset_one(aws_env: AwsEnv, variable: str) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    setting = EMPTY_OVERRIDES[variable]
    region = "" if setting.startswith("region") else "region = us-west-2\n"
    aws_env.config_file.write_text(f"[default]\n{region}{setting}\n")
    env = dict(os.environ)
    env.pop("AWS_REGION", None)
    env.pop(variable, None)
    if variable == "AWS_CONFIG_FILE":
        # Unset means the default ~/.aws/config: put the profile there.
        default = aws_env.home / ".aws" / "config"
        default.parent.mkdir(parents=True, exist_ok=True)
        default.write_text(aws_env.config_file.read_text())
    unset = run_eks_token("token", "-i", "c", env=env)
    assert unset.returncode == 0, unset.stderr
    empty_env = {**env, variable: ""}
    cached = run_eks_token("token", "-i", "c", env=empty_env)
    fresh = run_eks_token("token", "-i", "c", env={**empty_env, "EKS_TOKEN_NO_CACHE": "1"})
    assert cached.returncode == fresh.returncode, (cached.stderr, fresh.stderr)
    if fresh.returncode == 0:
        assert token_facts(served_token(cached)).where() == token_facts(served_token(fresh)).where()


# --- one key's signer never holds up another key ---------------------------------------


def _same_lock_shard_keys(cache: FileTokenCache) -> tuple[dict[str, str], dict[str, str]]:
    """Two different keys; with the 16 shared lock shards of old, they would share one."""
    from eks_token.cache.entry import key_text
    from eks_token.cache.files import entry_name

    first = {"cluster_id": "a"}
    shard = entry_name(key_text(first))[0]
    for i in range(1000):
        second = {"cluster_id": f"b{i}"}
        if entry_name(key_text(second))[0] == shard:
            return first, second
    raise AssertionError("no second key found")  # pragma: no cover


def test_a_stuck_signer_does_not_hold_up_another_key(tmp_path: Path) -> None:
    cache = FileTokenCache(tmp_path / "cache", lock_timeout=WAIT * 2)
    key_a, key_b = _same_lock_shard_keys(cache)
    a_signing, release_a = threading.Event(), threading.Event()
    results: dict[str, Token] = {}

    def stuck_sign() -> Token:
        a_signing.set()
        release_a.wait(WAIT)  # an MFA prompt nobody answers, an STS that does not answer
        return token("a")

    def run(name: str, key: dict[str, str], sign: object) -> None:
        results[name] = fetch_or_sign(cache, key, NOW, sign)  # type: ignore[arg-type]

    a = threading.Thread(target=run, args=("a", key_a, stuck_sign))
    a.start()
    try:
        assert a_signing.wait(WAIT)
        b = threading.Thread(target=run, args=("b", key_b, lambda: token("b")))
        b.start()
        b.join(WAIT)
        # B is answered while A's signer is still stuck.
        assert "b" in results
        assert a.is_alive()
        assert results["b"] == token("b")
    finally:
        release_a.set()
        a.join(WAIT)
    assert results["a"] == token("a")


def test_waiters_on_the_same_key_get_the_signers_token(tmp_path: Path) -> None:
    cache = FileTokenCache(tmp_path / "cache", lock_timeout=WAIT * 2)
    signing, release = threading.Event(), threading.Event()
    signed: list[int] = []

    def sign() -> Token:
        signed.append(1)
        signing.set()
        release.wait(WAIT)
        return token("c")

    results: list[Token] = []
    threads = [
        threading.Thread(target=lambda: results.append(fetch_or_sign(cache, {"k": "v"}, NOW, sign)))
        for _ in range(4)
    ]
    threads[0].start()
    assert signing.wait(WAIT)
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert results == [token("c")] * 4
    assert len(signed) == 1


# --- the paths the key fingerprints are the files botocore opens ------------------------

_PATH_TEXT = st.text(alphabet="${}/_~.aZ9-", max_size=24)
_ENVIRONMENTS = st.dictionaries(
    st.sampled_from(["a", "Z9", "_", "HOME", "a_b"]), st.text("/$ab{}~", max_size=6)
)


@given(path=_PATH_TEXT, environment=_ENVIRONMENTS)
def test_paths_expand_as_the_standard_library_does(path: str, environment: dict[str, str]) -> None:
    environment.setdefault("HOME", "/home/me")
    with patch.dict(os.environ, environment, clear=True):
        assert expand_vars(path, environment) == os.path.expandvars(path)
        assert expand_user(path, environment) == os.path.expanduser(path)
        expected = os.path.expanduser(os.path.expandvars(path))
        assert expand_vars_and_user(path, environment) == expected


@pytest.mark.parametrize(
    "args",
    [
        ("--profile", "a", "get-token", "--cluster-name", "c", "--profile", "b"),
        ("--profile=a", "get-token", "--cluster-name", "c", "--profile=b"),
        (
            *("--profile", "a", "--region", "eu-west-1", "get-token"),
            *("--cluster-name", "c", "--region", "us-west-2"),
        ),
    ],
)
@pytest.mark.parametrize("cache", ["miss then hit", "--no-cache"])
def test_a_global_option_given_twice_means_what_it_means_to_the_aws_cli(
    aws_env: AwsEnv, tmp_path: Path, args: tuple[str, ...], cache: str
) -> None:
    """The AWS CLI parses its global options wherever they are, the last one winning: an
    entry converted from `aws --profile a eks get-token ... --profile b` signs as b."""
    from tests.support.cli import BIN_DIR

    env = _file_env(aws_env)
    creds = tmp_path / "creds"
    creds.write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {key[0]}\naws_secret_access_key = {key[1]}\n"
            for name, key in (("a", KEY_A), ("b", KEY_B))
        )
    )
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(creds)
    aws = subprocess.run(
        [
            str(BIN_DIR / "aws"),
            *args[: args.index("get-token")],
            "eks",
            *args[args.index("get-token") :],
        ],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=WAIT * 4,
        check=False,
    )
    expected = token_facts(served_token(aws)).where()
    extra = ("--no-cache",) if cache == "--no-cache" else ()
    for _ in range(2):  # a miss, then (with the cache) a hit
        served = token_facts(served_token(run_eks_token(*args, *extra, env=env)))
        assert served.where() == expected


# --- the files changing while a token is signed ---------------------------------------------

#: A credential_process that says it has started (``started``), waits for ``go``, then
#: prints ``key``: the test changes the AWS files between the two, while it "runs".
_GATED_PROCESS = """\
import json, pathlib, sys, time
pathlib.Path({started!r}).touch()
deadline = time.monotonic() + {wait}
while not pathlib.Path({go!r}).exists() and time.monotonic() < deadline:
    time.sleep(0.01)
print(json.dumps({{"Version": 1, "AccessKeyId": {key!r}, "SecretAccessKey": {secret!r}}}))
"""


class GatedProcess:
    """A ``credential_process`` for ``key`` that runs until the test lets it finish."""

    def __init__(self, directory: Path, name: str, key: tuple[str, str]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.started = directory / f"{name}.started"
        self.go = directory / f"{name}.go"
        self.script = directory / f"{name}.py"
        self.script.write_text(
            _GATED_PROCESS.format(
                started=str(self.started), go=str(self.go), wait=WAIT, key=key[0], secret=key[1]
            )
        )

    @property
    def command(self) -> str:
        return f"{PYTHON} {self.script}"

    def wait_until_started(self) -> None:
        deadline = time.monotonic() + WAIT
        while not self.started.exists():
            assert time.monotonic() < deadline, "the credential process never started"
            time.sleep(0.01)

    def finish(self) -> None:
        self.go.touch()


def _process_profile(config: Path, command: str) -> None:
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[profile p]\ncredential_process = {command}\nregion = us-west-2\n")


def test_a_profile_edited_while_its_credential_process_runs_never_gets_the_old_token(
    aws_env: AwsEnv, tmp_path: Path
) -> None:
    """``p`` runs alice's process; while it runs, ~/.aws/config is edited so that ``p`` runs
    bob's. The token signed with alice's keys is printed for that call, but never stored
    under the edited config's key: the next call signs with bob's."""
    alice = GatedProcess(tmp_path / "processes", "alice", KEY_A)
    bob = GatedProcess(tmp_path / "processes", "bob", KEY_B)
    bob.finish()  # bob's process answers at once
    _process_profile(aws_env.config_file, alice.command)
    env = _file_env(aws_env)
    command = [str(EKS_TOKEN), "token", "-i", "c1", "--profile", "p", "-v"]
    first = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        alice.wait_until_started()
        _process_profile(aws_env.config_file, bob.command)
        alice.finish()
        out, err = first.communicate(timeout=WAIT)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert token_facts(json.loads(out)["status"]["token"]).access_key_id == KEY_A[0]
    second = run_eks_token("token", "-i", "c1", "--profile", "p", "-v", env=env)
    assert second.returncode == 0, second.stderr
    assert token_facts(served_token(second)).access_key_id == KEY_B[0]
    assert "from the cache" not in second.stderr
    # Signed with the files as they are, bob's token is stored and served from then on.
    third = run_eks_token("token", "-i", "c1", "--profile", "p", "-v", env=env)
    assert "from the cache" in third.stderr
    assert third.stdout == second.stdout


def test_obtain_token_does_not_store_a_token_when_the_credentials_file_changed_meanwhile(
    aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library's cache policy (``get_token(cache=)``, providers): a credentials file
    that gains bob's keys for ``p`` while alice's process runs does not get alice's token."""
    from eks_token.aws.obtain import obtain_token
    from eks_token.aws.signer import TokenSigner

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    alice = GatedProcess(tmp_path / "processes", "alice", KEY_A)
    _process_profile(aws_env.config_file, alice.command)
    cache = FileTokenCache(tmp_path / "cache", lock_timeout=WAIT * 2)
    results: list[Token] = []
    signing = threading.Thread(
        target=lambda: results.append(
            obtain_token(TokenSigner(profile="p"), "c1", cache=cache).token
        )
    )
    signing.start()
    try:
        alice.wait_until_started()
        aws_env.credentials_file.write_text(
            f"[p]\naws_access_key_id = {KEY_B[0]}\naws_secret_access_key = {KEY_B[1]}\n"
        )
    finally:
        alice.finish()
        signing.join(WAIT)
    assert token_facts(results[0].value).access_key_id == KEY_A[0]
    again = obtain_token(TokenSigner(profile="p"), "c1", cache=cache)
    assert not again.from_cache
    assert token_facts(again.token.value).access_key_id == KEY_B[0]
    assert obtain_token(TokenSigner(profile="p"), "c1", cache=cache).from_cache
