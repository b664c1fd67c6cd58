"""Environment credentials without botocore: every answer must be the one botocore gives."""

from __future__ import annotations

import os
from pathlib import Path

import botocore.session
import pytest

from eks_token import TokenSigner, errors
from eks_token.aws.environment import resolve_from_environment
from tests.support.aws_env import AwsEnv

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CONFIG = """\
[default]
region = ap-south-1
sts_regional_endpoints = legacy

[profile fips]
region = us-gov-west-1
use_fips_endpoint = true

[profile dual]
region = eu-central-1
use_dualstack_endpoint = TRUE

[profile private]
region = us-east-2
services = private-sts

[profile direct]
endpoint_url = https://sts.direct.example
region = eu-west-3

[profile broken-services]
services = nowhere

[profile ignoring]
region = sa-east-1
endpoint_url = https://ignored.example
ignore_configured_endpoint_urls = true

[services private-sts]
sts =
  endpoint_url = https://sts.private.example:8443
"""
CREDENTIALS = "[only-in-credentials]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n"

# (environment changes, whether the environment alone answers)
SCENARIOS: dict[str, tuple[dict[str, str | None], bool]] = {
    "default-profile-legacy": ({"AWS_REGION": None}, True),
    "aws-region-wins": ({}, True),
    "default-region-variable": ({"AWS_REGION": None, "AWS_DEFAULT_REGION": "eu-north-1"}, True),
    "empty-default-region": ({"AWS_REGION": None, "AWS_DEFAULT_REGION": ""}, True),
    "fips-profile": ({"AWS_REGION": None, "AWS_PROFILE": "fips"}, True),
    "dualstack-profile": ({"AWS_REGION": None, "AWS_PROFILE": "dual"}, True),
    "services-section": ({"AWS_REGION": None, "AWS_PROFILE": "private"}, True),
    "profile-endpoint-url": ({"AWS_REGION": None, "AWS_PROFILE": "direct"}, True),
    "ignore-configured": ({"AWS_REGION": None, "AWS_PROFILE": "ignoring"}, True),
    "default-profile-variable": ({"AWS_DEFAULT_PROFILE": "dual", "AWS_PROFILE": "fips"}, True),
    "profile-only-in-credentials": ({"AWS_PROFILE": "only-in-credentials"}, True),
    "env-endpoint-beats-services": (
        {"AWS_PROFILE": "private", "AWS_ENDPOINT_URL_STS": "https://sts.env.example"},
        True,
    ),
    "global-endpoint-variable": ({"AWS_ENDPOINT_URL": "https://all.example"}, True),
    "env-mode-beats-profile": (
        {"AWS_REGION": None, "AWS_STS_REGIONAL_ENDPOINTS": "regional"},
        True,
    ),
    "fips-variable": ({"AWS_USE_FIPS_ENDPOINT": "true", "AWS_PROFILE": "dual"}, True),
    "security-token-alias": ({"AWS_SECURITY_TOKEN": "legacy-token"}, True),
    "session-token": ({"AWS_SESSION_TOKEN": "session-token"}, True),
    "both-token-variables": ({"AWS_SECURITY_TOKEN": "first", "AWS_SESSION_TOKEN": "second"}, True),
    "missing-profile": ({"AWS_PROFILE": "nope"}, False),
    "missing-services-section": ({"AWS_PROFILE": "broken-services"}, False),
    "expiring-credentials": ({"AWS_CREDENTIAL_EXPIRATION": "2099-01-01T00:00:00Z"}, True),
    "expiring-with-offset-and-fraction": (
        {"AWS_CREDENTIAL_EXPIRATION": "2099-01-01T01:30:00.250+01:30"},
        True,
    ),
    "expiring-in-another-form": ({"AWS_CREDENTIAL_EXPIRATION": "2099-01-01 00:00:00 +0000"}, False),
    "no-secret": ({"AWS_SECRET_ACCESS_KEY": None}, False),
}


@pytest.fixture
def configured(aws_env: AwsEnv) -> AwsEnv:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text(CONFIG)
    aws_env.credentials_file.write_text(CREDENTIALS)
    return aws_env


def _apply(monkeypatch: pytest.MonkeyPatch, changes: dict[str, str | None]) -> None:
    for name, value in changes.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def _outcome(signer: TokenSigner) -> tuple[object, ...]:
    try:
        creds = signer.credentials()
        return (
            signer.region,
            signer.endpoint.url,
            signer.endpoint.signing_region,
            creds.access_key_id,
            creds.secret_access_key,
            creds.session_token,
            creds.expiry,
        )
    except errors.EksTokenError as exc:
        return (type(exc).__name__,)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_same_answer_as_botocore(
    configured: AwsEnv, monkeypatch: pytest.MonkeyPatch, scenario: str
) -> None:
    changes, answered_alone = SCENARIOS[scenario]
    _apply(monkeypatch, changes)
    assert (resolve_from_environment(os.environ) is not None) is answered_alone
    ours = _outcome(TokenSigner())
    theirs = _outcome(TokenSigner(session=botocore.session.Session()))
    assert ours == theirs


def test_method_is_env(configured: AwsEnv) -> None:
    assert TokenSigner().credential_method == "env"


def test_explicit_profile_is_left_to_botocore(configured: AwsEnv) -> None:
    """An explicit profile overrides the environment's keys in botocore's chain."""
    signer = TokenSigner(profile="only-in-credentials")
    assert signer.credentials().access_key_id == "AKIAOTHER"
    assert signer.credential_method == "shared-credentials-file"


def test_broken_config_file_is_left_to_botocore(
    configured: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.write_text("[default\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(broken))
    assert resolve_from_environment(os.environ) is None
    with pytest.raises(errors.CredentialsError):
        TokenSigner().get_token("c")


def test_an_exec_entrys_environment_reaches_botocore(
    configured: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Signing in-process for a kubeconfig user: its env, not ours, decides (as for a plugin)."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_REGION")
    other = tmp_path / "other-credentials"
    other.write_text(f"[team]\naws_access_key_id = AKIATEAM\naws_secret_access_key = {SECRET}\n")
    entry_env = {
        **os.environ,
        "AWS_PROFILE": "team",
        "AWS_SHARED_CREDENTIALS_FILE": str(other),
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_ENDPOINT_URL_STS": "https://sts.entry.example",
    }
    signer = TokenSigner(environ=entry_env)
    assert signer.credentials().access_key_id == "AKIATEAM"
    assert signer.region == "eu-west-1"
    assert signer.endpoint.url == "https://sts.entry.example/"
    del entry_env["AWS_ENDPOINT_URL_STS"]
    assert TokenSigner(environ=entry_env).endpoint.host == "sts-fips.eu-west-1.amazonaws.com"
    entry_env["AWS_USE_FIPS_ENDPOINT"] = "false"
    assert TokenSigner(environ=entry_env).endpoint.host == "sts.eu-west-1.amazonaws.com"


def test_entry_credentials_are_the_base_for_a_role(
    configured: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    entry_env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIAENTRY", "AWS_SECRET_ACCESS_KEY": SECRET}
    with mock_aws():
        signer = TokenSigner(role_arn="arn:aws:iam::123456789012:role/admins", environ=entry_env)
        assert signer.credentials().access_key_id.startswith("ASIA")
        assert signer.credential_method == "assume-role"
