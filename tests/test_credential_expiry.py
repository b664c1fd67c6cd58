"""A token never outlives the credentials it is signed with: the ExecCredential, the token cache,
its start-up path, `cache list`, the provider and kubectl all see the shortened lifetime.

botocore's real credential chain runs throughout (credential_process scripts, environment
variables, a role profile against moto's STS); time is moved by `--signing-time`, `now=` and
the provider's clock, never by sleeping. botocore's own refresh decisions use the wall clock,
so the credentials' expiry is set relative to it where botocore would otherwise refresh.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil.parser import parse as dateutil_parse
from hypothesis import given
from hypothesis import strategies as st
from moto.sts.models import sts_backends

from eks_token import TokenProvider, TokenSigner, errors
from eks_token.aws.environment import parse_credential_expiration
from eks_token.cache.file_cache import FileTokenCache
from eks_token.cli._fast import serve
from eks_token.clock import format_rfc3339, parse_rfc3339, utc_now
from eks_token.core.token import TOKEN_LIFETIME, decode_token
from tests.credential_sources import add_profile, process_command, process_script, runs
from tests.manual_clock import ManualClock
from tests.support.api_server import ApiServer
from tests.support.aws_env import AwsEnv
from tests.support.cli import BIN_DIR, assert_clean_failure, run_cli
from tests.support.kube import Kubectl, WriteKubeconfig
from tests.support.local_server import LocalServer, RecordedRequest, Response
from tests.support.moto_server import MotoServer

MARGIN = timedelta(minutes=1)
MOTO_ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/eks-admins"


def _now() -> datetime:
    return utc_now().replace(microsecond=0)


def _status(stdout: str) -> dict[str, str]:
    status: dict[str, str] = json.loads(stdout)["status"]
    return status


@pytest.fixture
def profile_only(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    """No credentials in the environment: only what the profiles say."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("EKS_TOKEN_CACHE_DIR", str(aws_env.home / "token-cache"))
    return aws_env


def _process_profile(aws_env: AwsEnv, expiration: datetime, name: str = "p") -> Path:
    script = process_script(aws_env.home / "bin", expiration=expiration, name=f"{name}.py")
    add_profile(aws_env, name, credential_process=process_command(script))
    return script


# --- credential_process --------------------------------------------------------------------


def test_a_process_credentials_expiry_caps_the_token(profile_only: AwsEnv) -> None:
    signed_at = _now()
    _process_profile(profile_only, signed_at + timedelta(minutes=3))
    result = run_cli(
        "token", "-i", "c", "--profile", "p", "--signing-time", format_rfc3339(signed_at), "-v"
    )
    assert result.returncode == 0, result.stderr
    expected = signed_at + timedelta(minutes=3) - MARGIN
    assert _status(result.stdout)["expirationTimestamp"] == format_rfc3339(expected)
    assert "token lifetime shortened to 2 min 0 s" in result.stderr
    assert f"expire at {format_rfc3339(signed_at + timedelta(minutes=3))}" in result.stderr


def test_long_lived_process_credentials_leave_the_usual_lifetime(profile_only: AwsEnv) -> None:
    signed_at = _now()
    _process_profile(profile_only, signed_at + timedelta(hours=1))
    result = run_cli(
        "token", "-i", "c", "--profile", "p", "--signing-time", format_rfc3339(signed_at), "-v"
    )
    assert result.returncode == 0, result.stderr
    expected = format_rfc3339(signed_at + TOKEN_LIFETIME)
    assert _status(result.stdout)["expirationTimestamp"] == expected
    assert "shortened" not in result.stderr


def test_the_cache_stores_the_capped_expiry_and_never_serves_past_it(
    profile_only: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    start = _now()
    credentials_end = start + timedelta(minutes=10)
    _process_profile(profile_only, credentials_end)
    first = run_cli("token", "-i", "c", "--profile", "p")
    assert first.returncode == 0, first.stderr
    capped = credentials_end - MARGIN
    assert parse_rfc3339(_status(first.stdout)["expirationTimestamp"]) == capped

    entries = list(FileTokenCache(profile_only.home / "token-cache").entries())
    assert [entry.expires for entry in entries] == [int(capped.timestamp())]
    listing = run_cli("cache", "list")
    [row] = listing.stdout.splitlines()[1:]
    assert format_rfc3339(capped) in row
    assert "cut short: its credentials expire sooner" in row

    # The start-up path answers from the entry while 6 minutes of the capped lifetime
    # remain, and not after: uncapped, the entry would be served until start + 8 min.
    argv = ["-i", "c", "--profile", "p"]
    assert serve("token", argv, os.environ, (start + timedelta(minutes=2)).timestamp()) == 0
    served = _status(capsys.readouterr().out)
    assert served["expirationTimestamp"] == format_rfc3339(capped)
    assert served["token"] == _status(first.stdout)["token"]
    later = (start + timedelta(minutes=4)).timestamp()
    assert serve("token", argv, os.environ, later) is None
    assert capsys.readouterr().out == ""
    cache = FileTokenCache(profile_only.home / "token-cache")
    key = TokenSigner(profile="p").cache_key("c")
    assert cache.get(key, start + timedelta(minutes=2)) is not None
    assert cache.get(key, start + timedelta(minutes=4)) is None


def test_process_credentials_ending_within_the_margin_are_fetched_again_then_refused(
    profile_only: AwsEnv,
) -> None:
    signed_at = _now()
    script = _process_profile(profile_only, signed_at + timedelta(seconds=30))
    result = run_cli(
        "token", "-i", "c", "--profile", "p", "--signing-time", format_rfc3339(signed_at)
    )
    assert_clean_failure(result, status=1, mentions="credential_process of profile 'p'")
    assert "returned credentials that expire at" in result.stderr
    assert len(runs(script)) >= 2, "the process was not asked again before giving up"


# --- environment credentials ---------------------------------------------------------------


@pytest.mark.parametrize(
    "expiration",
    ["{t}", "{t_offset}"],
    ids=["rfc3339-read-without-botocore", "other-form-read-by-botocore"],
)
def test_environment_expiration_caps_the_token(aws_env: AwsEnv, expiration: str) -> None:
    signed_at = _now()
    end = signed_at + timedelta(minutes=5)
    text = expiration.format(
        t=format_rfc3339(end),
        t_offset=end.astimezone(timezone(timedelta(hours=-3))).strftime("%Y-%m-%d %H:%M:%S%z"),
    )
    result = run_cli(
        "token",
        "-i",
        "c",
        "--signing-time",
        format_rfc3339(signed_at),
        extra_env={"AWS_CREDENTIAL_EXPIRATION": text},
    )
    assert result.returncode == 0, result.stderr
    assert _status(result.stdout)["expirationTimestamp"] == format_rfc3339(end - MARGIN)


@pytest.mark.parametrize("form", ["rfc3339", "other"])
def test_expired_environment_credentials_name_the_variables(aws_env: AwsEnv, form: str) -> None:
    ended = _now() - timedelta(minutes=2)
    text = format_rfc3339(ended) if form == "rfc3339" else ended.strftime("%Y-%m-%d %H:%M:%S+00:00")
    result = run_cli("token", "-i", "c", extra_env={"AWS_CREDENTIAL_EXPIRATION": text})
    assert_clean_failure(
        result,
        status=1,
        mentions=f"expired at {format_rfc3339(ended)} (AWS_CREDENTIAL_EXPIRATION)",
        secrets=(aws_env.secret_access_key,),
    )
    assert "AWS_ACCESS_KEY_ID" in result.stderr
    assert "refresh them" in result.stderr


def test_environment_credentials_ending_at_the_signing_time_are_refused(aws_env: AwsEnv) -> None:
    signed_at = _now() + timedelta(hours=1)
    result = run_cli(
        "token",
        "-i",
        "c",
        "--signing-time",
        format_rfc3339(signed_at),
        extra_env={"AWS_CREDENTIAL_EXPIRATION": format_rfc3339(signed_at + timedelta(seconds=20))},
    )
    assert_clean_failure(result, status=1, mentions="AWS_CREDENTIAL_EXPIRATION")
    assert "less than 60 s after the signing time" in result.stderr


_OFFSETS = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59)


@given(
    moment=st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.none()
    ),
    offset=_OFFSETS,
    fraction=st.sampled_from(["", ".5", ".123", ".123456"]),
    zulu=st.booleans(),
)
def test_expiration_is_read_as_botocore_reads_it(
    moment: datetime, offset: int, fraction: str, zulu: bool
) -> None:
    sign = "-" if offset < 0 else "+"
    zone = "Z" if zulu else f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone
    ours = parse_credential_expiration(text)
    assert ours is not None
    assert ours == dateutil_parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-29 23:44:00Z",
        "2026-11-29T23:44:00",
        "2026-11-29T23:44Z",
        "2026-11-29T23:44:00.1234567Z",
        "2026-11-29T23:44:00+0000",
        "2026-11-29T23:44:00z",
        "tomorrow",
        "2026-13-01T00:00:00Z",
        "2026-11-29T23:44:00+24:00",
        "\uff11\uff1234-11-29T23:44:00Z",
    ],
)
def test_other_expiration_forms_are_left_to_botocore(text: str) -> None:
    assert parse_credential_expiration(text) is None


# --- a role profile against moto's STS -----------------------------------------------------


def test_a_role_profiles_session_end_caps_the_token(
    profile_only: AwsEnv, moto_sts: MotoServer
) -> None:
    profile_only.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    profile_only.credentials_file.write_text(
        f"[base]\naws_access_key_id = {profile_only.access_key_id}\n"
        f"aws_secret_access_key = {profile_only.secret_access_key}\n"
    )
    add_profile(
        profile_only,
        "admin",
        role_arn=ROLE,
        source_profile="base",
        duration_seconds="900",
        region="us-west-2",
    )
    signed_at = _now() + timedelta(minutes=5)
    result = run_cli(
        "token", "-i", "c", "--profile", "admin", "--signing-time", format_rfc3339(signed_at)
    )
    assert result.returncode == 0, result.stderr
    status = _status(result.stdout)
    key_id = decode_token(status["token"]).split("X-Amz-Credential=")[1].split("%2F")[0]
    assumed = sts_backends[MOTO_ACCOUNT]["global"].get_assumed_role_from_access_key(key_id)
    assert assumed is not None
    assert assumed.role_arn == ROLE
    session_end = assumed.expiration.replace(tzinfo=timezone.utc)
    assert signed_at + TOKEN_LIFETIME > session_end - MARGIN, "the test must reach the cap"
    expected = (session_end - MARGIN).replace(microsecond=0)
    assert status["expirationTimestamp"] == format_rfc3339(expected)


class _PodIdentityAgent(LocalServer):
    """EKS Pod Identity's credential endpoint: answers only the right authorization token."""

    def __init__(self, expiration: datetime) -> None:
        super().__init__()
        self.expiration = expiration

    def respond(self, request: RecordedRequest) -> Response:
        if request.header("authorization") != "pod-identity-token":
            return Response.json(401, {"message": "unauthorized"})
        return Response.json(
            200,
            {
                "AccessKeyId": "ASIAPODIDENTITYEXAMPLE",
                "SecretAccessKey": "podSecretEXAMPLEaaaaaaaaaaaaaaaaaaaaaaaaa",
                "Token": "pod-session-token",
                "Expiration": format_rfc3339(self.expiration),
            },
        )


def test_container_credentials_expiry_caps_the_token(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    token_file = tmp_path / "pod-token"
    token_file.write_text("pod-identity-token")
    signed_at = _now()
    end = signed_at + timedelta(minutes=7)
    with _PodIdentityAgent(end) as agent:
        result = run_cli(
            "token",
            "-i",
            "c",
            "--signing-time",
            format_rfc3339(signed_at),
            extra_env={
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url + "/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
            },
        )
        assert agent.recorded
    assert result.returncode == 0, result.stderr
    status = _status(result.stdout)
    assert "ASIAPODIDENTITYEXAMPLE" in decode_token(status["token"])
    assert status["expirationTimestamp"] == format_rfc3339(end - MARGIN)


def test_web_identity_credentials_expiry_caps_the_token(
    profile_only: AwsEnv, moto_sts: MotoServer, tmp_path: Path
) -> None:
    identity_token = tmp_path / "web-identity-token"
    identity_token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2lnbmF0dXJl")
    signed_at = _now() + timedelta(minutes=50)  # moto's sessions last an hour
    result = run_cli(
        "token",
        "-i",
        "c",
        "--signing-time",
        format_rfc3339(signed_at),
        extra_env={"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": str(identity_token)},
    )
    assert result.returncode == 0, result.stderr
    status = _status(result.stdout)
    key_id = decode_token(status["token"]).split("X-Amz-Credential=")[1].split("%2F")[0]
    assumed = sts_backends[MOTO_ACCOUNT]["global"].get_assumed_role_from_access_key(key_id)
    assert assumed is not None
    session_end = assumed.expiration.replace(tzinfo=timezone.utc)
    assert signed_at + TOKEN_LIFETIME > session_end - MARGIN
    expected = (session_end - MARGIN).replace(microsecond=0)
    assert status["expirationTimestamp"] == format_rfc3339(expected)


# --- the provider --------------------------------------------------------------------------


def test_the_provider_refreshes_by_the_capped_expiry(profile_only: AwsEnv) -> None:
    start = _now()
    credentials_end = start + timedelta(minutes=10)
    _process_profile(profile_only, credentials_end)
    clock = ManualClock(start)
    provider = TokenProvider("c", profile="p", clock=clock)
    first = provider.token()
    assert first.expiration == credentials_end - MARGIN
    # Refreshed once fewer than the provider's margin (6 minutes) remain of the capped
    # lifetime: at start + 3 min, where an uncapped token would last until start + 8 min.
    clock.set(start + timedelta(minutes=2, seconds=59))
    assert provider.token() is first
    clock.set(start + timedelta(minutes=3, seconds=1))
    second = provider.token()
    assert second is not first
    assert provider.refresh_count == 2
    assert second.expiration == credentials_end - MARGIN


def test_the_provider_with_environment_credentials(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", format_rfc3339(start + timedelta(minutes=9)))
    clock = ManualClock(start)
    provider = TokenProvider("c", clock=clock)
    assert provider.token().expiration == start + timedelta(minutes=8)
    clock.set(start + timedelta(minutes=1, seconds=59))
    assert provider.refresh_count == 1
    assert provider.token() is not None
    assert provider.refresh_count == 1
    clock.set(start + timedelta(minutes=2, seconds=1))
    provider.token()
    assert provider.refresh_count == 2
    clock.set(start + timedelta(minutes=8, seconds=30))
    with pytest.raises(errors.CredentialsError, match="AWS_CREDENTIAL_EXPIRATION"):
        provider.token()


# --- kubectl -------------------------------------------------------------------------------


def test_kubectl_asks_again_once_the_capped_token_has_expired(
    profile_only: AwsEnv,
    api_server: ApiServer,
    kubectl: Kubectl,
    write_kubeconfig: WriteKubeconfig,
) -> None:
    """The plugin signs as of five minutes ago (`--signing-time`, the API server's clock
    stands there too) with credentials that end within the minute, so the token kubectl gets
    has already expired by kubectl's clock: it must run the plugin for every request instead
    of reusing the token, as it does once a token's real lifetime is over."""
    real_now = _now()
    signed_at = real_now - timedelta(minutes=5)
    credentials_end = real_now + timedelta(seconds=58)
    script = _process_profile(profile_only, credentials_end, name="team")
    api_server.freeze(signed_at + timedelta(minutes=1))
    entry = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-token",
        "args": ["token", "-i", "my-cluster", "--signing-time", format_rfc3339(signed_at)],
        "env": [{"name": "AWS_PROFILE", "value": "team"}],
        "interactiveMode": "Never",
    }
    kubeconfig = write_kubeconfig(api_server.url, api_server.ca_data, entry)
    env = {"PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = kubectl.run(kubeconfig, "get", "pods", "-A", env=env)
    assert result.returncode == 0, result.stderr
    assert api_server.checks
    assert all(check.ok for check in api_server.checks)
    requests = len(api_server.checks)
    assert requests >= 2, "kubectl made a single request; the test shows nothing"
    plugin_runs = len(set(runs(script)))
    assert plugin_runs == requests, (plugin_runs, requests)
