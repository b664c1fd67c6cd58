"""The on-disk token cache as a library: storage, freshness, file safety, locking, recovery."""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from eks_token.cache.entry import FRESH, INVALID, STALE, key_text, token_state
from eks_token.cache.file_cache import FileTokenCache, fetch_or_sign
from eks_token.cache.files import FRESHNESS_MARGIN_SECONDS, entry_name, lock_name
from eks_token.cache.interface import FRESHNESS_MARGIN, MemoryTokenCache
from eks_token.core.token import Token
from tests.support.cache_entries import NOW, token

KEY = {"cluster_id": "my-cluster", "region": "us-west-2", "odd name": "a value\nwith\\ escapes"}


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
    cache.put(other, token("other"))
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
    fresh = token("new")
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
    """A process holding KEY's lock, as a signer in the middle of its work."""
    cache_dir.mkdir(parents=True, mode=0o700)
    lock = cache_dir / lock_name(entry_name(key_text(KEY)))
    script = (
        "import fcntl, os, sys\n"
        f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
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
    first = token("first")
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


@pytest.mark.parametrize("memory", [False, True], ids=["file", "memory"])
@pytest.mark.parametrize(
    ("ahead", "served"),
    [
        (timedelta(minutes=5), True),  # within the skew STS tolerates
        (timedelta(minutes=5, seconds=1), False),
        (timedelta(minutes=20), False),  # written under ``faketime -f +20m``
    ],
)
def test_a_token_signed_ahead_of_now_is_served_only_within_stss_skew(
    cache: FileTokenCache, memory: bool, ahead: timedelta, served: bool
) -> None:
    """Signed later than now plus STS's skew: STS refuses it, however much of its life
    seems left, so neither cache serves it."""
    store: FileTokenCache | MemoryTokenCache = MemoryTokenCache() if memory else cache
    cached = token(signed=NOW + ahead)
    store.put(KEY, cached)
    assert (store.get(KEY, NOW) == cached) is served


@pytest.mark.parametrize(
    ("signed", "now", "state"),
    [
        (0, 0, FRESH),
        (0, 14 * 60 - 6 * 60 - 1, FRESH),
        (0, 14 * 60 - 6 * 60, STALE),
        (0, 14 * 60 - 1, STALE),
        (0, 14 * 60, INVALID),
        (5 * 60, 0, FRESH),
        (5 * 60 + 1, 0, INVALID),
        (None, 0, FRESH),
    ],
)
def test_one_freshness_state_for_every_token(signed: int | None, now: int, state: str) -> None:
    assert token_state(14 * 60 + (signed or 0), signed, now) == state
