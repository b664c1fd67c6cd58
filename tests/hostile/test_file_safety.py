"""File safety: what is on disk in the cache's place can neither hang, crash nor fool the plugin,
and the directories the cache creates are never open to other users."""

from __future__ import annotations

import functools
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from eks_token.cache.entry import encode_entry, key_text
from eks_token.cache.file_cache import FileTokenCache
from eks_token.core.endpoints import resolve_sts_endpoint
from eks_token.core.signing import sign_token
from eks_token.core.token import TOKEN_LIFETIME
from tests.hostile.helpers import run_eks_token, served_token, token_facts
from tests.provider_helpers import EXAMPLE
from tests.support.aws_env import AwsEnv
from tests.support.cache_entries import NOW

TEN_YEARS = 10 * 365 * 24 * 3600


def _cached_entry(aws_env: AwsEnv) -> Path:
    """Sign once through the command and return the entry it stored."""
    served_token(run_eks_token("token", "-i", "my-cluster"))
    (entry,) = (aws_env.home / ".kube" / "cache" / "eks-token").glob("*.entry")
    return entry


def _replace_line(entry: Path, prefix: str, line: str) -> None:
    lines = entry.read_text().split("\n")
    entry.write_text("\n".join(line if old.startswith(prefix) else old for old in lines))


def test_a_far_future_expiry_does_not_keep_a_stale_token_served(aws_env: AwsEnv) -> None:
    import time
    from datetime import datetime, timezone

    entry = _cached_entry(aws_env)
    an_hour_ago = datetime.fromtimestamp(int(time.time()) - 3600, timezone.utc)
    stale = sign_token("my-cluster", EXAMPLE, resolve_sts_endpoint("us-west-2"), an_hour_ago).value
    _replace_line(entry, "token ", f"token {stale}")
    _replace_line(entry, "expires ", f"expires {int(time.time()) + TEN_YEARS}")
    served = served_token(run_eks_token("token", "-i", "my-cluster"))
    assert served != stale
    assert token_facts(served).date != token_facts(stale).date


@pytest.mark.parametrize(
    "expires",
    ["99999999999999999999", "253402300800", "9" * 5000, "18446744073709551616"],
)
def test_an_out_of_range_expiry_is_a_miss_not_a_crash(aws_env: AwsEnv, expires: str) -> None:
    entry = _cached_entry(aws_env)
    _replace_line(entry, "expires ", f"expires {expires}")
    result = run_eks_token("token", "-i", "my-cluster")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    served_token(result)


def test_the_library_cache_bounds_an_entry_by_the_tokens_own_date(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    cache = FileTokenCache(directory)
    signed = sign_token("my-cluster", EXAMPLE, resolve_sts_endpoint("us-west-2"), NOW)
    key = {"cluster_id": "my-cluster"}
    cache.put(key, signed)
    assert cache.get(key, NOW) == signed
    (entry,) = directory.glob("*.entry")
    entry.write_bytes(
        encode_entry(key_text(key), signed.value, int(NOW.timestamp()) + TEN_YEARS, "my-cluster")
    )
    later = NOW + TOKEN_LIFETIME + timedelta(minutes=1)
    assert cache.get(key, later) is None
    for expires in (10**20, 10**40):
        entry.write_bytes(encode_entry(key_text(key), signed.value, expires, "my-cluster"))
        assert cache.get(key, NOW) is None


def test_a_fifo_in_place_of_an_entry_does_not_hang_the_plugin(aws_env: AwsEnv) -> None:
    entry = _cached_entry(aws_env)
    entry.unlink()
    os.mkfifo(entry, 0o600)
    # Without O_NONBLOCK, opening the FIFO waits for a writer forever.
    result = run_eks_token("token", "-i", "my-cluster", timeout=30)
    served_token(result)


def test_a_fifo_in_place_of_an_entry_does_not_hang_the_library(tmp_path: Path) -> None:
    import threading

    directory = tmp_path / "cache"
    cache = FileTokenCache(directory)
    signed = sign_token("my-cluster", EXAMPLE, resolve_sts_endpoint("us-west-2"), NOW)
    key = {"cluster_id": "my-cluster"}
    cache.put(key, signed)
    (entry,) = directory.glob("*.entry")
    entry.unlink()
    os.mkfifo(entry, 0o600)
    answers: list[object] = []
    reader = threading.Thread(target=lambda: answers.append(cache.get(key, NOW)), daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():
        # Let the stuck open return, so the test process can end.
        with open(entry, "wb"):
            pass
        reader.join(30)
        pytest.fail("reading a FIFO entry blocked")
    assert answers == [None]


def test_directories_created_under_umask_000_are_not_open_to_others(aws_env: AwsEnv) -> None:
    assert not (aws_env.home / ".kube").exists()
    served_token(run_eks_token("token", "-i", "my-cluster", preexec_fn=lambda: os.umask(0)))
    kube = aws_env.home / ".kube"
    modes = {
        path: stat.S_IMODE(path.stat().st_mode)
        for path in (kube, kube / "cache", kube / "cache" / "eks-token")
    }
    assert modes[kube] & 0o022 == 0
    assert modes[kube / "cache"] & 0o022 == 0
    assert modes[kube / "cache" / "eks-token"] == 0o700
    (entry,) = (kube / "cache" / "eks-token").glob("*.entry")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_lock_files_go_with_their_entries(tmp_path: Path) -> None:
    from eks_token.cache.file_cache import fetch_or_sign
    from tests.support.cache_entries import token

    directory = tmp_path / "cache"
    cache = FileTokenCache(directory)
    for i in range(5):
        fetch_or_sign(cache, {"key": str(i)}, NOW, functools.partial(token, str(i)))
    later = NOW + timedelta(hours=1)
    fetch_or_sign(cache, {"key": "new"}, later, lambda: token("new", later))
    assert len(list(directory.glob("*.entry"))) == 1
    assert len(list(directory.glob(".lock-*"))) == 1


def test_a_held_lock_is_never_pruned(tmp_path: Path) -> None:
    import threading

    from eks_token.cache.file_cache import fetch_or_sign
    from tests.support.cache_entries import token

    directory = tmp_path / "cache"
    cache = FileTokenCache(directory, lock_timeout=60)
    signing, release = threading.Event(), threading.Event()

    def stuck() -> object:
        signing.set()
        release.wait(30)
        return token("a")

    holder = threading.Thread(target=fetch_or_sign, args=(cache, {"key": "a"}, NOW, stuck))
    holder.start()
    try:
        assert signing.wait(30)
        (lock,) = directory.glob(".lock-*")
        fetch_or_sign(cache, {"key": "b"}, NOW, lambda: token("b"))  # prunes afterwards
        assert lock.exists()
    finally:
        release.set()
        holder.join(30)
    assert cache.get({"key": "a"}, NOW) == token("a")
