"""Profiles without botocore: every answer the lean path gives must be botocore's own, and
where it is unsure it must leave the decision to botocore."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from eks_token import AwsCredentials
from eks_token.aws import session as aws
from eks_token.aws.cli_cache import assume_role_cache_key, cli_cache_dir
from eks_token.aws.lean_profile import _assume_role_arguments, resolve_from_profile
from eks_token.aws.profile_files import load_profile_files
from eks_token.core.paths import expand_vars_and_user
from tests.support.aws_env import AwsEnv

KEY, SECRET = "AKIAPROFILEKEY000001", "profile/secret/0001"
KEY2, SECRET2 = "AKIACONFIGKEY0000002", "config/secret/0002"
ROLE = "arn:aws:iam::123456789012:role/eks-admins"
STATIC = f"aws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
STATIC2 = f"aws_access_key_id = {KEY2}\naws_secret_access_key = {SECRET2}\n"


class Case:
    def __init__(
        self,
        *,
        config: str = "",
        credentials: str = "",
        env: dict[str, str | None] | None = None,
        profile: str | None = "dev",
        lean: bool = True,
    ) -> None:
        self.config = config
        self.credentials = credentials
        self.env = env or {}
        self.profile = profile
        self.lean = lean


NO_ENV_KEYS: dict[str, str | None] = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}

CASES = {
    "credentials-file": Case(credentials="[dev]\n" + STATIC),
    "config-file": Case(config="[profile dev]\n" + STATIC),
    "both-files-credentials-win": Case(
        config="[profile dev]\n" + STATIC2 + "region = eu-west-1\n",
        credentials="[dev]\n" + STATIC,
    ),
    "region-from-credentials-file": Case(
        config="[profile dev]\nregion = eu-west-1\n",
        credentials="[dev]\n" + STATIC + "region = ap-southeast-2\n",
        env={"AWS_REGION": None},
    ),
    "missing-profile": Case(credentials="[other]\n" + STATIC, lean=False),
    "role-arn-without-cache": Case(
        config=f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = base\n",
        credentials="[base]\n" + STATIC,
        lean=False,
    ),
    "credential-process": Case(
        config="[profile dev]\ncredential_process = /bin/false\n",
        credentials="[dev]\n" + STATIC,
        lean=False,
    ),
    "sso": Case(
        config="[profile dev]\nsso_account_id = 111122223333\nsso_role_name = Admin\n"
        "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
        credentials="[dev]\n" + STATIC,
        lean=False,
    ),
    "sso-session-reference": Case(
        config="[profile dev]\nsso_session = corp\n" + STATIC, lean=False
    ),
    "login-session": Case(config="[profile dev]\nlogin_session = x\n" + STATIC, lean=False),
    "web-identity-in-profile": Case(
        config=f"[profile dev]\nweb_identity_token_file = /tmp/t\nrole_arn = {ROLE}\n",
        credentials="[dev]\n" + STATIC,
        lean=False,
    ),
    "source-profile-without-role-is-ignored": Case(
        config="[profile dev]\nsource_profile = other\n", credentials="[dev]\n" + STATIC
    ),
    "explicit-profile-beats-environment-keys": Case(credentials="[dev]\n" + STATIC),
    "aws-profile-with-environment-keys": Case(
        credentials="[dev]\n" + STATIC, env={"AWS_PROFILE": "dev"}, profile=None, lean=False
    ),
    "aws-profile": Case(
        credentials="[dev]\n" + STATIC, env={"AWS_PROFILE": "dev", **NO_ENV_KEYS}, profile=None
    ),
    "aws-default-profile-first": Case(
        credentials="[dev]\n" + STATIC + "[other]\n" + STATIC2,
        env={"AWS_DEFAULT_PROFILE": "dev", "AWS_PROFILE": "other", **NO_ENV_KEYS},
        profile=None,
    ),
    "empty-aws-profile": Case(
        credentials="[dev]\n" + STATIC,
        env={"AWS_PROFILE": "", **NO_ENV_KEYS},
        profile=None,
        lean=False,
    ),
    "default-profile-implicitly": Case(
        credentials="[default]\n" + STATIC, env=NO_ENV_KEYS, profile=None
    ),
    "default-profile-explicitly": Case(config="[default]\n" + STATIC, profile="default"),
    "web-identity-variable-without-explicit-profile": Case(
        credentials="[default]\n" + STATIC,
        env={"AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent", **NO_ENV_KEYS},
        profile=None,
        lean=False,
    ),
    "expanded-paths": Case(
        credentials="[dev]\n" + STATIC,
        config="[profile dev]\nregion = eu-north-1\n",
        env={
            "AWS_SHARED_CREDENTIALS_FILE": "$AWS_FILES_DIR/credentials",
            "AWS_CONFIG_FILE": "~/../aws/config",
            "AWS_REGION": None,
        },
    ),
    "empty-credentials-file-variable": Case(
        credentials="[dev]\n" + STATIC2,
        config="[profile dev]\n" + STATIC,
        env={"AWS_SHARED_CREDENTIALS_FILE": ""},
    ),
    "empty-secret": Case(
        credentials=f"[dev]\naws_access_key_id = {KEY}\naws_secret_access_key =\n", lean=False
    ),
    "no-secret": Case(credentials=f"[dev]\naws_access_key_id = {KEY}\n", lean=False),
    "upper-case-keys": Case(
        credentials=f"[dev]\nAWS_ACCESS_KEY_ID = {KEY}\nAws_Secret_Access_Key = {SECRET}\n"
    ),
    "comments-and-odd-formatting": Case(
        credentials=f"# keys\n; more\n[dev]\naws_access_key_id={KEY}\n"
        f"aws_secret_access_key:{SECRET}\n  # indented comment\n"
        "aws_session_token = tok#not-a-comment\n\n[other]\nx=1\n"
    ),
    "both-token-names": Case(
        credentials="[dev]\n" + STATIC + "aws_session_token = second\naws_security_token = first\n"
    ),
    "profile-prefix-in-credentials-file": Case(
        config="[profile dev]\nregion = eu-west-1\n",
        credentials="[profile dev]\n" + STATIC,
        lean=False,
    ),
    "no-profile-prefix-in-config-file": Case(config="[dev]\n" + STATIC, lean=False),
    "duplicate-section": Case(credentials="[dev]\n" + STATIC + "[dev]\n" + STATIC, lean=False),
    "services-endpoint": Case(
        config="[profile dev]\nservices = private\n"
        + STATIC
        + "[services private]\nsts =\n  endpoint_url = https://sts.private.example\n",
        env={"AWS_REGION": None, "AWS_DEFAULT_REGION": "us-east-2"},
    ),
    "sts-settings-from-profile": Case(
        config="[profile dev]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n"
        "sts_regional_endpoints = legacy\n",
        credentials="[dev]\n" + STATIC,
        env={"AWS_REGION": None},
    ),
}


def _apply(case: Case, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    if case.config:
        aws_env.config_file.write_text(case.config)
    if case.credentials:
        aws_env.credentials_file.write_text(case.credentials)
    monkeypatch.setenv("AWS_FILES_DIR", str(aws_env.config_file.parent))
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def _botocore_answer(profile: str | None) -> tuple[AwsCredentials, str, str | None, Any]:
    session = botocore.session.Session(profile=profile)
    found = session.get_credentials()
    assert found is not None
    frozen = found.get_frozen_credentials()
    credentials = AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token)
    settings = aws.sts_endpoint_settings(session)
    return credentials, found.method, aws.resolve_region(session), settings


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_lean_path_gives_botocores_answer_or_none(
    name: str, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    _apply(case, aws_env, monkeypatch)
    lean = resolve_from_profile(os.environ, case.profile, explicit=case.profile is not None)
    if not case.lean:
        assert lean is None
        return
    assert lean is not None
    credentials, method, region, settings = _botocore_answer(case.profile)
    assert lean.credentials == credentials
    assert lean.method == method
    assert lean.region == region
    assert lean.expires is None
    assert vars_of(lean.settings) == vars_of(settings)


def vars_of(settings: Any) -> tuple[Any, ...]:
    return (
        settings.regional_mode,
        settings.use_fips,
        settings.use_dualstack,
        settings.endpoint_url,
    )


@pytest.mark.parametrize(
    "path",
    ["$HOME/x", "${HOME}/x", "~/x", "~", "$NOPE/x", "${NOPE}x", "$HOME$HOME", "~nosuchuser/x"],
)
def test_paths_expand_as_botocore_expands_them(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    monkeypatch.delenv("NOPE", raising=False)
    expected = os.path.expanduser(os.path.expandvars(path))
    assert expand_vars_and_user(path, dict(os.environ)) == expected
    assert expand_vars_and_user(path) == expected


# --- Cached role credentials: the AWS CLI's key, computed as botocore computes it -----------


class _Probed(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _KeyProbe(dict[str, Any]):
    """A cache that stops botocore at its first look, telling which key it looked for."""

    def __contains__(self, key: object) -> bool:
        raise _Probed(str(key))


def _botocore_key(profile: str) -> str:
    session = botocore.session.Session(profile=profile)
    resolver = session.get_component("credential_provider")
    resolver.get_provider("assume-role").cache = _KeyProbe()
    found = session.get_credentials()
    assert found is not None
    with pytest.raises(_Probed) as probed:
        found.get_frozen_credentials()
    return probed.value.key


ROLE_PROFILES = {
    "role-only": f"role_arn = {ROLE}\n",
    "session-name": f"role_arn = {ROLE}\nrole_session_name = alice\n",
    "empty-session-name": f"role_arn = {ROLE}\nrole_session_name =\n",
    "external-id": f"role_arn = {ROLE}\nexternal_id = ext-1\n",
    "empty-external-id": f"role_arn = {ROLE}\nexternal_id =\n",
    "mfa": f"role_arn = {ROLE}\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
    "duration": f"role_arn = {ROLE}\nduration_seconds = 3600\n",
    "bad-duration": f"role_arn = {ROLE}\nduration_seconds = an hour\n",
    "padded-duration": f"role_arn = {ROLE}\nduration_seconds =  900 \n",
    "everything": f"role_arn = {ROLE}\nrole_session_name = a@b.c\nexternal_id = x:y/z\n"
    "mfa_serial = arn:aws:iam::123456789012:mfa/alice\nduration_seconds = 43200\n",
    "unicode": f"role_arn = {ROLE}\nrole_session_name = \u00e9t\u00e9\n",
}


@pytest.mark.parametrize("name", sorted(ROLE_PROFILES))
def test_the_role_cache_key_is_botocores(
    name: str, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(f"[profile dev]\n{ROLE_PROFILES[name]}source_profile = base\n")
    aws_env.credentials_file.write_text("[base]\n" + STATIC)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    files = load_profile_files(os.environ)
    assert files is not None
    arguments = _assume_role_arguments(files.profiles["dev"])
    assert arguments is not None
    assert assume_role_cache_key(arguments) == _botocore_key("dev")


def _write_entry(directory: str, key: str, expires_in: float, access_key: str) -> None:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + expires_in))
    entry = {
        "Credentials": {
            "AccessKeyId": access_key,
            "SecretAccessKey": "cached/secret",
            "SessionToken": "cached-session-token",
            "Expiration": expiration,
        }
    }
    path = Path(directory, key + ".json")
    path.write_text(json.dumps(entry))
    path.chmod(0o600)


ROLE_SETUPS: dict[str, tuple[str, str, bool]] = {
    # name: (config, credentials, the lean path answers)
    "static-source": (
        f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = base\nmfa_serial = arn:m\n",
        "[base]\n" + STATIC,
        True,
    ),
    "role-in-credentials-file": (
        "[profile dev]\nregion = eu-west-1\n",
        f"[dev]\nrole_arn = {ROLE}\nsource_profile = base\n[base]\n" + STATIC,
        True,
    ),
    "chained-roles": (
        f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = middle\n"
        f"[profile middle]\nrole_arn = {ROLE}-2\nsource_profile = base\n",
        "[base]\n" + STATIC,
        True,
    ),
    "self-source-with-keys": (
        f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = dev\n" + STATIC,
        "",
        True,
    ),
    "source-loop": (
        f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = middle\n"
        f"[profile middle]\nrole_arn = {ROLE}-2\nsource_profile = dev\n",
        "",
        False,
    ),
    "missing-source": (f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = gone\n", "", False),
    "credential-source": (
        f"[profile dev]\nrole_arn = {ROLE}\ncredential_source = Environment\n",
        "",
        False,
    ),
    "process-source": (
        f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = base\n"
        "[profile base]\ncredential_process = /bin/false\n",
        "",
        False,
    ),
    "no-source": (f"[profile dev]\nrole_arn = {ROLE}\n", "", False),
}


@pytest.mark.parametrize("name", sorted(ROLE_SETUPS))
def test_cached_role_credentials_are_botocores_answer(
    name: str, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, credentials, answers = ROLE_SETUPS[name]
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(config)
    aws_env.credentials_file.write_text(credentials)
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "regional")
    files = load_profile_files(os.environ)
    assert files is not None
    arguments = _assume_role_arguments(files.profiles["dev"])
    assert arguments is not None
    _write_entry(cli_cache_dir(), assume_role_cache_key(arguments), 3600, "ASIACACHEDROLE000001")
    lean = resolve_from_profile(os.environ, "dev")
    if not answers:
        assert lean is None
        return
    assert lean is not None
    assert lean.method == "assume-role"
    # botocore, with the AWS CLI's cache wired on as the AWS CLI does, and no STS to call.
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    session = aws.make_session("dev")
    found = aws.base_credentials(session)
    assert lean.credentials == aws.freeze(found)
    assert lean.region == aws.resolve_region(session)
    assert lean.expires is not None
    assert abs(lean.expires - (time.time() + 3600)) < 5


@pytest.mark.parametrize(("expires_in", "answers"), [(16 * 60, True), (14 * 60, False)])
def test_cached_role_credentials_are_used_only_while_botocore_would(
    aws_env: AwsEnv, expires_in: float, answers: bool
) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = dev\n")
    aws_env.credentials_file.write_text("[dev]\n" + STATIC)
    _write_entry(cli_cache_dir(), assume_role_cache_key({"RoleArn": ROLE}), expires_in, "ASIAX")
    assert (resolve_from_profile(os.environ, "dev") is not None) is answers
    assert resolve_from_profile(os.environ, "dev", cli_cache=False) is None


@pytest.mark.parametrize(
    "expiration",
    ["2026-11-29T23:30:00", "tomorrow", "", 1764459000, "2026-02-30T10:00:00Z"],
)
def test_an_odd_expiration_is_left_to_botocore(aws_env: AwsEnv, expiration: object) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = dev\n")
    aws_env.credentials_file.write_text("[dev]\n" + STATIC)
    key = assume_role_cache_key({"RoleArn": ROLE})
    _write_entry(cli_cache_dir(), key, 3600, "ASIAX")
    path = Path(cli_cache_dir(), key + ".json")
    entry = json.loads(path.read_text())
    entry["Credentials"]["Expiration"] = expiration
    path.write_text(json.dumps(entry))
    assert resolve_from_profile(os.environ, "dev") is None


def test_cached_role_credentials_hand_over_to_botocore_before_they_expire() -> None:
    from eks_token.aws.static_source import StaticSource

    now = [1_000_000.0]
    cached = AwsCredentials("ASIACACHED", "cached/secret", "cached-token")
    renewed = StaticSource(AwsCredentials("ASIARENEWED", "renewed/secret", "t"), "assume-role")
    calls: list[int] = []

    def renew() -> StaticSource:
        calls.append(1)
        return renewed

    source = StaticSource(cached, "assume-role", now[0] + 3600, renew, clock=lambda: now[0])
    assert source.get_frozen_credentials().access_key == "ASIACACHED"
    now[0] += 3600 - 15 * 60
    assert source.get_frozen_credentials().access_key == "ASIACACHED"  # 15 min left: still
    now[0] += 1  # botocore's window has begun
    assert source.get_frozen_credentials().access_key == "ASIARENEWED"
    now[0] += 7200
    assert source.get_frozen_credentials().access_key == "ASIARENEWED"
    assert calls == [1]


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-29T23:30:00UTC",
        "2026-11-29T23:30:00Z",
        "2026-11-29T23:30:00+00:00",
        "2026-11-29T23:30:00.123456+00:00",
        "2026-11-30T01:30:00+02:00",
        "2026-11-29T18:30:00-0500",
        "2026-11-29 23:30:00GMT",
    ],
)
def test_cached_expirations_read_as_botocore_reads_them(text: str) -> None:
    from dateutil.parser import parse

    from eks_token.aws.cli_cache import parse_expiration

    assert parse_expiration(text) == int(parse(text).timestamp())
