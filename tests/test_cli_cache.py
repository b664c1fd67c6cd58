"""Role credentials shared with the AWS CLI through ``~/.aws/cli/cache``: the real ``aws``
and eks-token each reuse what the other assumed, against moto's STS as a server."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.sts.models import sts_backends

from eks_token.aws.cli_cache import assume_role_cache_key
from eks_token.core.token import decode_token
from tests.support import cli
from tests.support.aws_env import AwsEnv
from tests.support.cli import run_cli, served_token
from tests.support.local_server import LocalServer, RecordedRequest, Response
from tests.support.moto_server import MotoServer

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-admins"
BASE_KEY, BASE_SECRET = "AKIABASEPROFILE00001", "base/secret/0001"
ROLE_PROFILE = f"""\
[profile role]
role_arn = {ROLE}
source_profile = base
region = us-west-2
"""
BASE_CREDENTIALS = (
    f"[base]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n"
)


def assume_calls(role_arn: str = ROLE) -> int:
    """AssumeRole and AssumeRoleWithWebIdentity calls moto has answered for ``role_arn``."""
    return sum(1 for r in sts_backends[ACCOUNT]["global"].assumed_roles if r.role_arn == role_arn)


def closed_url() -> str:
    server = LocalServer()
    url = server.url
    server.stop()
    return url


@pytest.fixture
def role_profile(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``role`` profile assuming ROLE from the ``base`` profile's keys; returns the cache dir."""
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(ROLE_PROFILE)
    aws_env.credentials_file.write_text(BASE_CREDENTIALS)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    return aws_env.home / ".aws" / "cli" / "cache"


def run_aws(
    *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cli.run_aws(*args, extra_env={**(extra_env or {}), "AWS_MAX_ATTEMPTS": "1"})


def token_key_id(token: str) -> str:
    query = parse_qs(urlsplit(decode_token(token)).query)
    return query["X-Amz-Credential"][0].split("/")[0]


def eks_token(*args: str, **env: str) -> str:
    """The access key id of the token ``eks-token token ARGS`` prints."""
    result = run_cli("token", *args, extra_env={"AWS_MAX_ATTEMPTS": "1", **env})
    return token_key_id(served_token(result))


def aws_get_token_key_id(**env: str) -> str:
    args = ("eks", "get-token", "--cluster-name", "prod", "--profile", "role")
    return token_key_id(served_token(run_aws(*args, extra_env=env)))


def cached(cache_dir: Path) -> dict[str, dict[str, str]]:
    """The cache's entries: file name -> its Credentials."""
    return {
        p.name: json.loads(p.read_text())["Credentials"] for p in sorted(cache_dir.glob("*.json"))
    }


def test_eks_token_signs_with_the_role_the_aws_cli_assumed(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    before = assume_calls()
    result = run_aws("sts", "get-caller-identity", "--profile", "role")
    assert result.returncode == 0, result.stderr
    assert "assumed-role/eks-admins" in result.stdout
    entries = cached(role_profile)
    assert list(entries) == [assume_role_cache_key({"RoleArn": ROLE}) + ".json"]
    assert assume_calls() == before + 1
    # STS unreachable: only the AWS CLI's cache can give eks-token these credentials.
    key_id = eks_token("-i", "prod", "--profile", "role", AWS_ENDPOINT_URL_STS=closed_url())
    assert key_id == next(iter(entries.values()))["AccessKeyId"]
    assert assume_calls() == before + 1


def test_the_aws_cli_signs_with_the_role_eks_token_assumed(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    before = assume_calls()
    key_id = eks_token("-i", "prod", "--profile", "role")
    assert assume_calls() == before + 1
    entries = cached(role_profile)
    assert [c["AccessKeyId"] for c in entries.values()] == [key_id]
    assert aws_get_token_key_id(AWS_ENDPOINT_URL_STS=closed_url()) == key_id
    assert assume_calls() == before + 1


def test_files_are_private_and_written_whole(moto_sts: MotoServer, role_profile: Path) -> None:
    eks_token("-i", "prod", "--profile", "role")
    assert stat.S_IMODE(role_profile.stat().st_mode) == 0o700
    names = os.listdir(role_profile)
    assert len(names) == 1
    assert names[0].endswith(".json")
    assert stat.S_IMODE((role_profile / names[0]).stat().st_mode) == 0o600


def test_a_directory_the_aws_cli_made_is_closed_to_others(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    role_profile.mkdir(parents=True, mode=0o755)
    role_profile.chmod(0o755)
    eks_token("-i", "prod", "--profile", "role")
    assert stat.S_IMODE(role_profile.stat().st_mode) == 0o700


def test_a_role_profile_costs_one_assume_role_for_many_clusters(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    before = assume_calls()
    keys = {eks_token("-i", cluster, "--profile", "role") for cluster in ("a", "b", "c", "d")}
    assert len(keys) == 1
    assert assume_calls() == before + 1


def test_forgetting_the_role_credentials_forgets_the_tokens_signed_with_them(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    """Signing writes the role's entry into ~/.aws/cli/cache, which the token cache key looks
    at: the token is stored under the key as it stands after signing, so the next call is a
    hit, and removing the role credentials (as the docs say to forget them) is a miss."""
    before = assume_calls()
    first = run_cli("token", "-i", "prod", "--profile", "role", "-v")
    assert first.returncode == 0, first.stderr
    assert assume_calls() == before + 1
    second = run_cli("token", "-i", "prod", "--profile", "role", "-v")
    assert "from the cache" in second.stderr
    assert second.stdout == first.stdout
    for entry in role_profile.glob("*.json"):
        entry.unlink()
    third = run_cli("token", "-i", "prod", "--profile", "role", "-v")
    assert third.returncode == 0, third.stderr
    assert "from the cache" not in third.stderr
    assert assume_calls() == before + 2
    assert token_key_id(json.loads(third.stdout)["status"]["token"]) != token_key_id(
        json.loads(first.stdout)["status"]["token"]
    )


def test_a_role_eks_token_assumes_itself_is_assumed_once_for_many_clusters(
    moto_sts: MotoServer, aws_env: AwsEnv
) -> None:
    before = assume_calls()
    keys = {eks_token("-i", cluster, "-r", ROLE) for cluster in ("a", "b", "c")}
    keys.add(eks_token("-i", "d", DEFAULT_ROLE=ROLE))
    assert len(keys) == 1
    assert assume_calls() == before + 1
    names = os.listdir(aws_env.home / ".aws" / "cli" / "cache")
    assert len(names) == 1
    assert names[0].startswith("eks-token-role-")
    # Reused with STS gone (the same endpoint: it is part of the key), while they last.
    moto_sts.stop()
    assert eks_token("-i", "e", "-r", ROLE) in keys


@pytest.mark.parametrize(
    "change",
    [
        {"AWS_ACCESS_KEY_ID": "AKIAANOTHERBASEKEY01"},
        {"AWS_SECRET_ACCESS_KEY": "another/secret"},
        {"AWS_SESSION_TOKEN": "a-session"},
        {"AWS_REGION": "eu-west-1"},
    ],
)
def test_an_own_role_is_keyed_by_what_decides_it(
    moto_sts: MotoServer, aws_env: AwsEnv, change: dict[str, str]
) -> None:
    before = assume_calls()
    first = eks_token("-i", "a", "-r", ROLE)
    second = eks_token("-i", "b", "-r", ROLE, **change)
    assert first != second
    assert assume_calls() == before + 2
    names = os.listdir(aws_env.home / ".aws" / "cli" / "cache")
    assert len(names) == 2
    for name in names:
        text = (aws_env.home / ".aws" / "cli" / "cache" / name).read_text()
        assert aws_env.secret_access_key not in text
        assert "another/secret" not in text


@pytest.mark.parametrize(("flag", "env"), [(["--no-cache"], {}), ([], {"EKS_TOKEN_NO_CACHE": "1"})])
def test_no_cache_neither_reads_nor_writes_role_credentials(
    moto_sts: MotoServer, role_profile: Path, flag: list[str], env: dict[str, str]
) -> None:
    assert run_aws("sts", "get-caller-identity", "--profile", "role").returncode == 0
    entries = cached(role_profile)
    before = assume_calls()
    # Not read: with STS unreachable the cached role cannot help.
    result = run_cli(
        "token",
        "-i",
        "prod",
        "--profile",
        "role",
        *flag,
        extra_env={**env, "AWS_ENDPOINT_URL_STS": closed_url(), "AWS_MAX_ATTEMPTS": "1"},
    )
    assert result.returncode == 1, result.stderr
    # Not read, not written: a fresh AssumeRole, and the cache is as the AWS CLI left it.
    key_id = eks_token("-i", "prod", "--profile", "role", *flag, **env)
    assert assume_calls() == before + 1
    assert key_id != next(iter(entries.values()))["AccessKeyId"]
    assert cached(role_profile) == entries
    eks_token("-i", "other", "--profile", "base", "-r", ROLE, *flag, **env)
    assert cached(role_profile) == entries


def _plant(cache_dir: Path) -> Path:
    """Let the AWS CLI cache the role, and return its entry."""
    assert run_aws("sts", "get-caller-identity", "--profile", "role").returncode == 0
    (entry,) = cache_dir.glob("*.json")
    return entry


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_an_entry_others_may_write_is_ignored(
    moto_sts: MotoServer, role_profile: Path, mode: int
) -> None:
    entry = _plant(role_profile)
    planted = json.loads(entry.read_text())["Credentials"]["AccessKeyId"]
    entry.chmod(mode)
    before = assume_calls()
    assert eks_token("-i", "prod", "--profile", "role") != planted
    assert assume_calls() == before + 1
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600  # replaced by a private one


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_an_entry_of_another_user_is_ignored(moto_sts: MotoServer, role_profile: Path) -> None:
    entry = _plant(role_profile)
    planted = json.loads(entry.read_text())["Credentials"]["AccessKeyId"]
    os.chown(entry, 65534, 65534)
    before = assume_calls()
    assert eks_token("-i", "prod", "--profile", "role") != planted
    assert assume_calls() == before + 1


def test_an_entry_that_is_a_symbolic_link_is_ignored(
    moto_sts: MotoServer, role_profile: Path, tmp_path: Path
) -> None:
    entry = _plant(role_profile)
    planted = json.loads(entry.read_text())["Credentials"]["AccessKeyId"]
    elsewhere = tmp_path / "elsewhere.json"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    assert eks_token("-i", "prod", "--profile", "role") != planted


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_entry_that_is_a_fifo_is_skipped_without_hanging(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    entry = _plant(role_profile)
    planted = json.loads(entry.read_text())["Credentials"]["AccessKeyId"]
    entry.unlink()
    os.mkfifo(entry, 0o600)  # opening it to read would wait for a writer forever
    result = subprocess.run(
        [str(cli.EKS_TOKEN), "token", "-i", "prod", "--profile", "role"],
        env={**os.environ, "AWS_MAX_ATTEMPTS": "1"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert token_key_id(json.loads(result.stdout)["status"]["token"]) != planted


def test_a_directory_others_may_write_is_neither_read_nor_written(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    entry = _plant(role_profile)
    planted = json.loads(entry.read_text())["Credentials"]["AccessKeyId"]
    role_profile.chmod(0o777)
    before = assume_calls()
    first = eks_token("-i", "a", "--profile", "role")
    second = eks_token("-i", "b", "--profile", "role")
    assert planted not in (first, second)
    assert assume_calls() == before + 2
    assert [p.name for p in role_profile.iterdir()] == [entry.name]


def test_web_identity_credentials_are_shared_with_the_aws_cli(
    moto_sts: MotoServer, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = tmp_path / "web-identity-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2ln")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", ROLE)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "pod-session")
    before = assume_calls()
    key_id = eks_token("-i", "a")
    assert assume_calls() == before + 1
    cache_dir = aws_env.home / ".aws" / "cli" / "cache"
    # The AWS CLI's key covers the identity token too: a new token is a new entry.
    arguments = {"RoleArn": ROLE, "RoleSessionName": "pod-session"}
    name = assume_role_cache_key({**arguments, "WebIdentityToken": token_file.read_text()})
    name += ".json"
    assert list(cached(cache_dir)) == [name]
    # Another cluster, and the AWS CLI, with STS unreachable.
    assert eks_token("-i", "b", AWS_ENDPOINT_URL_STS=closed_url()) == key_id
    result = run_aws(
        "eks",
        "get-token",
        "--cluster-name",
        "c",
        "--region",
        "us-west-2",
        extra_env={"AWS_ENDPOINT_URL_STS": closed_url()},
    )
    assert token_key_id(served_token(result)) == key_id
    assert assume_calls() == before + 1
    # A rotated token is a new identity: assumed again, never served the old entry.
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb3RhdGVkIn0.c2ln")
    assert eks_token("-i", "d") != key_id
    assert assume_calls() == before + 2


class _SsoPortal(LocalServer):
    """The SSO portal's GetRoleCredentials, for one bearer token."""

    def respond(self, request: RecordedRequest) -> Response:
        if request.header("x-amz-sso_bearer_token") != SSO_ACCESS_TOKEN:
            return Response.json(401, {"message": "Session token not found or invalid"})
        expiration = int((time.time() + 3600) * 1000)
        role = {
            "accessKeyId": f"ASIASSOROLE{len(self.recorded):09d}",
            "secretAccessKey": "sso/role/secret",
            "sessionToken": "sso-role-session",
            "expiration": expiration,
        }
        return Response.json(200, {"roleCredentials": role})


SSO_ACCESS_TOKEN = "sso-access-token-value"
SSO_START_URL = "https://example.awsapps.com/start"


def test_sso_role_credentials_are_fetched_once_for_many_clusters(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(
        f"[profile sso]\nsso_start_url = {SSO_START_URL}\nsso_region = us-east-1\n"
        "sso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-west-2\n"
    )
    token_dir = aws_env.home / ".aws" / "sso" / "cache"
    token_dir.mkdir(parents=True)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 8 * 3600))
    name = hashlib.sha1(SSO_START_URL.encode()).hexdigest() + ".json"
    (token_dir / name).write_text(
        json.dumps(
            {
                "startUrl": SSO_START_URL,
                "region": "us-east-1",
                "accessToken": SSO_ACCESS_TOKEN,
                "expiresAt": expires,
            }
        )
    )
    with _SsoPortal() as portal:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal.url)
        keys = {eks_token("-i", cluster, "--profile", "sso") for cluster in ("a", "b", "c")}
        assert len(portal.recorded) == 1
    assert len(keys) == 1
    cache_dir = aws_env.home / ".aws" / "cli" / "cache"
    arguments = {"accountId": "111122223333", "roleName": "Admin", "startUrl": SSO_START_URL}
    key = hashlib.sha1(
        json.dumps(arguments, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    (entry,) = cache_dir.glob("*.json")
    assert entry.name == key + ".json"
    assert json.loads(entry.read_text())["ProviderType"] == "sso"
    # --no-cache: the portal is asked again.
    with _SsoPortal() as portal:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal.url)
        eks_token("-i", "d", "--profile", "sso", "--no-cache")
        assert len(portal.recorded) == 1


def test_a_role_is_assumed_again_when_its_cached_credentials_near_expiry(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    before = assume_calls()
    first = eks_token("-i", "a", "--profile", "role")
    (entry,) = role_profile.glob("*.json")
    # As if 50 of the 60 minutes had passed: botocore's 15-minute window has begun.
    cached_entry = json.loads(entry.read_text())
    soon = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + 10 * 60))
    cached_entry["Credentials"]["Expiration"] = soon
    entry.write_text(json.dumps(cached_entry))
    second = eks_token("-i", "b", "--profile", "role")
    assert second != first
    assert assume_calls() == before + 2
    assert json.loads(entry.read_text())["Credentials"]["AccessKeyId"] == second
    assert eks_token("-i", "c", "--profile", "role") == second
    assert assume_calls() == before + 2


def test_the_signer_keeps_role_credentials_out_of_the_cache_when_told(
    moto_sts: MotoServer, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_token.aws.signer import TokenSigner

    cache = aws_env.home / ".aws" / "cli" / "cache"
    before = assume_calls()
    off = TokenSigner(role_arn=ROLE, credential_cache=False)
    assert not off.credential_cache
    off.get_token("a")
    assert not cache.exists() or os.listdir(cache) == []
    with pytest.raises(AttributeError):
        off.credential_cache = True  # type: ignore[misc]
    # The keyword outranks EKS_TOKEN_NO_CACHE, which is only the default.
    monkeypatch.setenv("EKS_TOKEN_NO_CACHE", "1")
    assert not TokenSigner(role_arn=ROLE).credential_cache
    TokenSigner(role_arn=ROLE, credential_cache=True).get_token("b")
    assert len(os.listdir(cache)) == 1
    assert assume_calls() == before + 2


def test_forgetting_own_role_credentials_forgets_the_tokens_signed_with_them(
    moto_sts: MotoServer, aws_env: AwsEnv
) -> None:
    """As the docs say: ``rm ~/.aws/cli/cache/eks-token-role-*.json`` forgets the
    credentials of ``--role-arn``, and with them the tokens signed with them."""
    before = assume_calls()
    first = run_cli("token", "-i", "prod", "-r", ROLE, "-v")
    assert first.returncode == 0, first.stderr
    second = run_cli("token", "-i", "prod", "-r", ROLE, "-v")
    assert "from the cache" in second.stderr
    assert second.stdout == first.stdout
    cache_dir = aws_env.home / ".aws" / "cli" / "cache"
    removed = list(cache_dir.glob("eks-token-role-*.json"))
    assert len(removed) == 1
    removed[0].unlink()
    third = run_cli("token", "-i", "prod", "-r", ROLE, "-v")
    assert third.returncode == 0, third.stderr
    assert "from the cache" not in third.stderr
    assert assume_calls() == before + 2
    # Tokens without a role are not keyed on eks-token's role entries.
    plain = run_cli("token", "-i", "prod", "-v")
    (cache_dir / removed[0].name).write_text("{}")
    assert "from the cache" in run_cli("token", "-i", "prod", "-v").stderr
    assert plain.returncode == 0


def test_a_cached_entry_with_a_newline_in_its_access_key_id_is_skipped_and_named(
    moto_sts: MotoServer, role_profile: Path
) -> None:
    """Not an error blaming AWS_ACCESS_KEY_ID: the entry is skipped (named under -v), the
    role assumed again, and the entry replaced."""
    role_profile.mkdir(parents=True, mode=0o700)
    entry = role_profile / (assume_role_cache_key({"RoleArn": ROLE}) + ".json")
    credentials = {
        "AccessKeyId": "ASIAEXAMPLE\nEVIL",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": "2099-01-01T00:00:00Z",
    }
    entry.write_text(json.dumps({"Credentials": credentials}))
    entry.chmod(0o600)
    before = assume_calls()
    result = run_cli("token", "-i", "prod", "--profile", "role", "-v")
    assert result.returncode == 0, result.stderr
    assert "AWS_ACCESS_KEY_ID" not in result.stderr
    skipped = [line for line in result.stderr.splitlines() if "skipping" in line]
    assert skipped == [
        f"warning: skipping the credential cache entry {entry}: its AccessKeyId has "
        "characters no AWS credential has"
    ]
    assert assume_calls() == before + 1
    replaced = cached(role_profile)[entry.name]["AccessKeyId"]
    assert replaced.isalnum()
    assert token_key_id(json.loads(result.stdout)["status"]["token"]) == replaced
    # Without -v the same entry is skipped without a word.
    entry.write_text(json.dumps({"Credentials": credentials}))
    quiet = run_cli("token", "-i", "other", "--profile", "role")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
