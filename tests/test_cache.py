"""The on-disk token cache as a library: keys, freshness, file safety, locking, recovery."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eks_token.cache import FileTokenCache, fetch_or_sign
from eks_token.cache_entry import key_text
from eks_token.cache_files import FRESHNESS_MARGIN_SECONDS, entry_name
from eks_token.cache_key import token_cache_key
from eks_token.caching import FRESHNESS_MARGIN, MemoryTokenCache
from eks_token.credentials import AwsCredentials
from eks_token.errors import InvalidInputError
from eks_token.generator import get_token
from eks_token.lean_json import loads
from eks_token.token import TOKEN_LIFETIME, Token
from tests.support.aws_env import AwsEnv

NOW = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)
KEY = {"cluster_id": "my-cluster", "region": "us-west-2", "odd name": "a value\nwith\\ escapes"}
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN"


def token(value: str = "k8s-aws-v1.aHR0cHM6Ly9zdHM", signed: datetime = NOW) -> Token:
    return Token(value, signed + TOKEN_LIFETIME, "my-cluster")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "eks-token"


@pytest.fixture
def problems() -> list[str]:
    return []


@pytest.fixture
def cache(cache_dir: Path, problems: list[str]) -> FileTokenCache:
    return FileTokenCache(cache_dir, on_problem=problems.append, lock_timeout=0.2)


def entry_path(cache_dir: Path, key: dict[str, str]) -> Path:
    return cache_dir / entry_name(key_text(key))


def test_round_trip_with_private_modes(cache: FileTokenCache, cache_dir: Path) -> None:
    cache.put(KEY, token())
    assert cache.get(KEY, NOW) == token()
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    entries = list(cache_dir.glob("*.entry"))
    assert len(entries) == 1
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    assert not list(cache_dir.glob(".tmp-*"))


def test_key_is_compared_whole(cache: FileTokenCache) -> None:
    cache.put(KEY, token())
    assert cache.get({**KEY, "region": "eu-west-1"}, NOW) is None
    assert cache.get({**KEY, "extra": ""}, NOW) is None
    assert cache.get({k: v for k, v in KEY.items() if k != "region"}, NOW) is None


def test_an_entry_under_another_keys_name_is_not_served(
    cache: FileTokenCache, cache_dir: Path
) -> None:
    """What a hash collision would look like: the stored key material decides."""
    other = {**KEY, "profile": "someone-else"}
    cache.put(other, token("k8s-aws-v1.b3RoZXI"))
    entry_path(cache_dir, other).rename(entry_path(cache_dir, KEY))
    assert cache.get(KEY, NOW) is None


@pytest.mark.parametrize(
    ("left", "served"),
    [
        (FRESHNESS_MARGIN + timedelta(seconds=1), True),
        (FRESHNESS_MARGIN, False),
        (FRESHNESS_MARGIN - timedelta(seconds=1), False),
        (timedelta(0), False),
    ],
)
def test_freshness_margin(cache: FileTokenCache, left: timedelta, served: bool) -> None:
    cached = token()
    cache.put(KEY, cached)
    found = cache.get(KEY, cached.expiration - left)
    assert (found == cached) is served


def test_start_up_margin_matches_the_library() -> None:
    assert timedelta(seconds=FRESHNESS_MARGIN_SECONDS) == FRESHNESS_MARGIN


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(b"\nend\n", b"\n"),
        lambda data: b"",
        lambda data: b"\xff\xfe garbage",
        lambda data: data.replace(b"k8s-aws-v1.", b'k8s-aws-v1."},'),
        lambda data: data.replace(b"expires ", b"expires -"),
    ],
    ids=["truncated", "no-end", "empty", "binary", "unsafe-token", "bad-expiry"],
)
def test_a_damaged_entry_is_a_miss_and_is_replaced(
    cache: FileTokenCache,
    cache_dir: Path,
    problems: list[str],
    damage: Callable[[bytes], bytes],
) -> None:
    cache.put(KEY, token())
    path = entry_path(cache_dir, KEY)
    path.write_bytes(damage(path.read_bytes()))
    assert cache.get(KEY, NOW) is None
    assert any("corrupt" in p for p in problems)
    fresh = token("k8s-aws-v1.bmV3")
    assert fetch_or_sign(cache, KEY, NOW, lambda: fresh) == fresh
    assert cache.get(KEY, NOW) == fresh


def test_a_dead_writers_temporary_file_is_never_served_and_is_pruned(
    cache: FileTokenCache, cache_dir: Path
) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    cache_dir.mkdir(parents=True, mode=0o700)
    leftover = cache_dir / f".tmp-{dead.stdout.strip()}-0123456789ab"
    leftover.write_text("eks-token cache entry 1\nexpires 9999999999\ntoken k8s-aws-v1.eA")
    assert cache.get(KEY, NOW) is None
    fetch_or_sign(cache, KEY, NOW, token)
    assert not leftover.exists()
    assert cache.get(KEY, NOW) == token()


@pytest.fixture
def lock_holder(cache: FileTokenCache, cache_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """A process holding every lock of the cache, as a signer in the middle of its work."""
    cache_dir.mkdir(parents=True, mode=0o700)
    script = (
        "import fcntl, os, sys\n"
        f"d = {str(cache_dir)!r}\n"
        "fds = [os.open(os.path.join(d, f'.lock-{c}'), os.O_RDWR | os.O_CREAT, 0o600)"
        " for c in '0123456789abcdef']\n"
        "for fd in fds: fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    yield holder
    holder.kill()
    holder.wait()


def test_a_killed_lock_holder_does_not_block(
    cache: FileTokenCache, lock_holder: subprocess.Popen[str], problems: list[str]
) -> None:
    lock_holder.send_signal(signal.SIGKILL)
    lock_holder.wait()
    assert fetch_or_sign(cache, KEY, NOW, token) == token()
    assert not any("timed out" in p for p in problems)
    assert cache.get(KEY, NOW) == token()


def test_a_stuck_lock_holder_delays_but_never_fails(
    cache: FileTokenCache, lock_holder: subprocess.Popen[str], problems: list[str]
) -> None:
    assert fetch_or_sign(cache, KEY, NOW, token) == token()
    assert any("timed out" in p for p in problems)


def test_waiters_use_what_the_lock_holder_wrote(cache: FileTokenCache) -> None:
    first = token("k8s-aws-v1.Zmlyc3Q")
    with cache.single_flight(KEY):
        cache.put(KEY, first)

    def sign() -> Token:
        raise AssertionError("a waiter signed although the holder had written an entry")

    assert fetch_or_sign(cache, KEY, NOW, sign) == first


@pytest.mark.parametrize("how", ["symlink", "world-writable", "group-writable"])
def test_an_unsafe_directory_is_not_used(tmp_path: Path, how: str, problems: list[str]) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    directory = real
    if how == "symlink":
        directory = tmp_path / "link"
        directory.symlink_to(real)
    else:
        real.chmod(0o777 if how == "world-writable" else 0o770)
    cache = FileTokenCache(directory, on_problem=problems.append)
    assert fetch_or_sign(cache, KEY, NOW, token) == token()
    assert cache.get(KEY, NOW) is None
    assert list(real.iterdir()) == []
    assert problems
    assert all("not using the token cache" in p for p in problems)


@pytest.mark.parametrize("how", ["symlink", "mode-0644"])
def test_an_unsafe_entry_is_not_served(
    cache: FileTokenCache, cache_dir: Path, tmp_path: Path, how: str
) -> None:
    cache.put(KEY, token())
    path = entry_path(cache_dir, KEY)
    if how == "symlink":
        elsewhere = tmp_path / "planted"
        path.rename(elsewhere)
        path.symlink_to(elsewhere)
    else:
        path.chmod(0o644)
    assert cache.get(KEY, NOW) is None
    cache.put(KEY, token())
    assert cache.get(KEY, NOW) == token()
    assert not path.is_symlink()


def test_clear_and_entries(cache: FileTokenCache, cache_dir: Path) -> None:
    cache.put(KEY, token())
    cache.put({**KEY, "region": "eu-west-1"}, token())
    assert sorted(e.key()["region"] for e in cache.entries()) == ["eu-west-1", "us-west-2"]
    assert [e.key() for e in cache.entries() if e.key()["region"] == "us-west-2"] == [KEY]
    assert cache.clear() == 2
    assert list(cache.entries()) == []


def test_prune_removes_expired_entries(cache: FileTokenCache) -> None:
    cache.put(KEY, token(signed=NOW - timedelta(hours=1)))
    cache.prune(NOW)
    assert list(cache.entries()) == []


def test_memory_cache_through_fetch_or_sign() -> None:
    memory = MemoryTokenCache()
    signed: list[Token] = []

    def sign() -> Token:
        signed.append(token())
        return token()

    assert fetch_or_sign(memory, KEY, NOW, sign) == fetch_or_sign(memory, KEY, NOW, sign)
    assert len(signed) == 1


# --- key material -------------------------------------------------------------------


def test_same_inputs_same_key_and_no_secret_in_clear(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    key = token_cache_key("my-cluster", role_arn="arn:aws:iam::111122223333:role/r")
    assert key == token_cache_key("my-cluster", role_arn="arn:aws:iam::111122223333:role/r")
    text = json.dumps(key)
    for secret in (SECRET, SESSION_TOKEN, aws_env.access_key_id):
        assert secret not in text


@pytest.mark.parametrize(
    "change",
    [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_ENDPOINT_URL_STS",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "credentials-file",
        "config-file",
        "web-identity-token-file",
        "role",
        "region-argument",
        "profile-argument",
        "external-id",
        "session-name",
        "forward-session-name",
        "cluster",
    ],
)
def test_any_change_gives_a_new_key(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.credentials_file.write_text("[default]\n")
    aws_env.config_file.write_text("[default]\n")
    token_file = aws_env.home / "web-identity-token"
    token_file.write_text("eyJ0eXAi")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    arguments: dict[str, object] = {"role_arn": "arn:aws:iam::111122223333:role/a"}
    before = token_cache_key("my-cluster", **arguments)  # type: ignore[arg-type]
    cluster = "my-cluster"
    files = {
        "credentials-file": aws_env.credentials_file,
        "config-file": aws_env.config_file,
        "web-identity-token-file": token_file,
    }
    if change in files:
        files[change].write_text(files[change].read_text() + "region = eu-west-1\n")
    elif change.startswith("AWS_"):
        monkeypatch.setenv(change, "changed-" + os.environ.get(change, ""))
    elif change == "cluster":
        cluster = "other-cluster"
    else:
        name, value = {
            "role": ("role_arn", "arn:aws:iam::111122223333:role/b"),
            "region-argument": ("region", "eu-west-1"),
            "profile-argument": ("profile", "dev"),
            "external-id": ("external_id", "x-1"),
            "session-name": ("session_name", "alice"),
            "forward-session-name": ("forward_session_name", True),
        }[change]
        arguments[name] = value
    assert token_cache_key(cluster, **arguments) != before  # type: ignore[arg-type]


def test_entry_files_hold_no_secret_but_the_token(
    cache: FileTokenCache, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    key = token_cache_key("my-cluster")
    cache.put(key, token())
    (path,) = Path(cache.directory).glob("*.entry")
    data = path.read_text()
    assert SECRET not in data
    assert SESSION_TOKEN not in data
    assert repr(next(cache.entries())).count("k8s-aws-v1") == 0


# --- the library opt-in ---------------------------------------------------------------


def test_get_token_with_a_file_cache(aws_env: AwsEnv, cache: FileTokenCache) -> None:
    first = get_token("my-cluster", cache=cache, now=NOW)
    later = NOW + timedelta(minutes=7)
    assert get_token("my-cluster", cache=cache, now=later) == first
    renewed = get_token("my-cluster", cache=cache, now=later + timedelta(minutes=1, seconds=1))
    assert renewed != first
    assert renewed.expiration == later + timedelta(minutes=1, seconds=1) + TOKEN_LIFETIME
    assert get_token("my-cluster", region="eu-west-1", cache=cache, now=later) != first


def test_get_token_keys_explicit_credentials(cache: FileTokenCache, aws_env: AwsEnv) -> None:
    alice = AwsCredentials("AKIAIOSFODNN7EXAMPLE", SECRET)
    bob = AwsCredentials("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
    mine = get_token("my-cluster", credentials=alice, cache=cache, now=NOW)
    assert get_token("my-cluster", credentials=bob, cache=cache, now=NOW) != mine
    assert get_token("my-cluster", credentials=alice, cache=cache, now=NOW) == mine


def test_get_token_refuses_a_cache_it_cannot_key(cache: FileTokenCache) -> None:
    import botocore.session

    with pytest.raises(InvalidInputError, match="cache"):
        get_token("my-cluster", session=botocore.session.Session(), cache=cache)


# --- the start-up path's JSON reader ---------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(JSON_VALUES, st.booleans(), st.sampled_from(["", " ", "\n\t ", "\r\n"]))
def test_lean_json_reads_what_json_writes(value: object, ascii_only: bool, pad: str) -> None:
    text = pad + json.dumps(value, ensure_ascii=ascii_only, indent=1 if ascii_only else None)
    try:
        expected = json.loads(text + pad)
    except ValueError:
        return
    try:
        assert loads(text + pad) == expected
    except ValueError:
        assert "\\ud" in text.lower()  # surrogate escapes are left to json


@settings(max_examples=300)
@given(st.text(alphabet='{}[]":,0123456789.eE+-tfrunlasxu\\ \n', max_size=30))
def test_lean_json_never_accepts_what_json_rejects(text: str) -> None:
    rejected = object()
    try:
        expected = json.loads(text)
    except ValueError:
        expected = rejected
    try:
        got = loads(text)
    except ValueError:
        return  # always allowed: the full path then reads it with json
    assert expected is not rejected
    assert got == expected
