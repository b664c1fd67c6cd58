"""The token cache's key material, and the library's opt-in to the cache."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from eks_token.aws.signer import get_token
from eks_token.cache.file_cache import FileTokenCache
from eks_token.cache.key import token_cache_key
from eks_token.core.credentials import AwsCredentials
from eks_token.core.options import SignerOptions
from eks_token.core.token import TOKEN_LIFETIME
from eks_token.errors import InvalidInputError
from tests.support.aws_env import AwsEnv
from tests.support.cache_entries import NOW, SECRET, SESSION_TOKEN, token


@pytest.fixture
def cache(tmp_path: Path) -> FileTokenCache:
    return FileTokenCache(tmp_path / "cache" / "eks-token", lock_timeout=0.2)


# --- key material -------------------------------------------------------------------


def test_same_inputs_same_key_and_no_secret_in_clear(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    key = token_cache_key("my-cluster", SignerOptions(role_arn="arn:aws:iam::111122223333:role/r"))
    assert key == token_cache_key(
        "my-cluster", SignerOptions(role_arn="arn:aws:iam::111122223333:role/r")
    )
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
    options = SignerOptions(role_arn="arn:aws:iam::111122223333:role/a")
    before = token_cache_key("my-cluster", options)
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
        options = options.replace(**{name: value})
    assert token_cache_key(cluster, options) != before


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


# --- SSO and assumed-role caches ----------------------------------------------------------


@pytest.mark.parametrize("directory", [".aws/sso/cache", ".aws/cli/cache"])
def test_a_new_or_changed_json_file_in_the_aws_caches_gives_a_new_key(
    aws_env: AwsEnv, directory: str
) -> None:
    missing = token_cache_key("my-cluster")
    cache_dir = aws_env.home / directory
    cache_dir.mkdir(parents=True)
    assert token_cache_key("my-cluster") == missing  # an empty directory is a missing one
    (cache_dir / "notes.txt").write_text("not a cache file")
    assert token_cache_key("my-cluster") == missing
    (cache_dir / "d033e22ae348aeb5660fc2140aec35850c4da997.json").write_text('{"a": 1}')
    first_login = token_cache_key("my-cluster")
    assert first_login != missing
    assert token_cache_key("my-cluster") == first_login
    (cache_dir / "d033e22ae348aeb5660fc2140aec35850c4da997.json").write_text('{"a": 12}')
    second_login = token_cache_key("my-cluster")
    assert second_login not in (missing, first_login)
    (cache_dir / "b6589fc6ab0dc82cf12099d1c2d40ab994e8410c.json").write_text("{}")
    assert token_cache_key("my-cluster") not in (missing, first_login, second_login)


def test_the_aws_cache_fingerprint_holds_no_file_contents(aws_env: AwsEnv) -> None:
    cache_dir = aws_env.home / ".aws" / "sso" / "cache"
    cache_dir.mkdir(parents=True)
    (cache_dir / "login.json").write_text(json.dumps({"accessToken": SESSION_TOKEN}))
    key = token_cache_key("my-cluster")
    assert SESSION_TOKEN not in json.dumps(key)
    assert "login.json" not in json.dumps(key)


@pytest.mark.parametrize("directory", [".aws/sso/cache", ".aws/cli/cache"])
def test_a_same_size_rewrite_with_its_modification_time_put_back_gives_a_new_key(
    aws_env: AwsEnv, directory: str
) -> None:
    """Another role's credentials of the same length, written over the entry in place with
    the old modification time restored: the change time still tells, so the token signed
    with the old ones is not served."""
    cache_dir = aws_env.home / directory
    cache_dir.mkdir(parents=True)
    entry = cache_dir / "d033e22ae348aeb5660fc2140aec35850c4da997.json"
    entry.write_text('{"AccessKeyId": "ASIAAAAAAAAAAAAAAAAA"}')
    before = entry.stat()
    key = token_cache_key("my-cluster")
    with entry.open("r+") as f:
        f.write('{"AccessKeyId": "ASIABBBBBBBBBBBBBBBB"}')
    os.utime(entry, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = entry.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert token_cache_key("my-cluster") != key


def test_a_miss_computes_the_key_once_and_looks_at_the_files_again_once(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The start-up path's key goes with the request to the full command; after signing only
    the files are looked at again (to store the token under the key it was signed for)."""
    from eks_token.cache import key as key_module
    from eks_token.cli import _fast
    from eks_token.cli.main import main

    computed: list[str] = []
    rechecked: list[str] = []
    request_key = key_module.request_key
    after_signing = key_module.CacheKey.after_signing

    def counted_key(*args: object, **kwargs: object) -> key_module.CacheKey:
        computed.append("key")
        return request_key(*args, **kwargs)  # type: ignore[arg-type]

    def counted_recheck(self: key_module.CacheKey) -> dict[str, str] | None:
        rechecked.append("after")
        return after_signing(self)

    monkeypatch.setattr(_fast, "request_key", counted_key)
    monkeypatch.setattr(key_module, "request_key", counted_key)
    monkeypatch.setattr(key_module.CacheKey, "after_signing", counted_recheck)
    assert main(["token", "-i", "my-cluster"]) == 0
    assert (computed, rechecked) == (["key"], ["after"])
    missed = capsys.readouterr().out
    assert main(["token", "-i", "my-cluster"]) == 0
    assert (computed, rechecked) == (["key", "key"], ["after"])
    assert capsys.readouterr().out == missed
