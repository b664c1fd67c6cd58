"""Every credential failure, fed through the CLI as kubectl runs it, is one `error:` line naming
its cause and its fix: exit 1, no traceback, no warning noise, no "unexpected ... report it",
and no secret from the environment, the AWS files or what a credential source printed.

botocore's real credential chain runs against local stand-ins: credential_process scripts,
SSO token caches and a loopback SSO portal, a loopback STS that refuses, throttles or is gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from eks_token.clock import format_rfc3339, utc_now
from tests.credential_sources import (
    SESSION_TOKEN,
    RoleSts,
    add_profile,
    process_command,
    process_script,
)
from tests.support.aws_env import AwsEnv
from tests.support.cli import EKS_TOKEN, assert_clean_failure
from tests.support.local_server import LocalServer, RecordedRequest, Response

ROLE = "arn:aws:iam::111122223333:role/eks-admins"
SSO_TOKEN = "aoaEXAMPLEssoACCESStokenTHATisSECRETxxxxxxxxxxxxxxxxxxxxxxxx"
STDERR_SECRET = "hunter2-do-not-print"


@dataclass
class Case:
    """What to run (`args`, `env`) and what the one error line must say (`says`)."""

    args: tuple[str, ...] = ("token", "-i", "my-cluster")
    env: dict[str, str] = field(default_factory=dict)
    says: tuple[str, ...] = ()


@dataclass
class World:
    aws: AwsEnv
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    servers: list[LocalServer] = field(default_factory=list)

    def profile_only(self) -> None:
        self.monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        self.monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    def keys_in(self, name: str) -> None:
        self.aws.credentials_file.parent.mkdir(parents=True, exist_ok=True)
        with self.aws.credentials_file.open("a") as f:
            f.write(
                f"[{name}]\naws_access_key_id = {self.aws.access_key_id}\n"
                f"aws_secret_access_key = {self.aws.secret_access_key}\n"
            )

    def serve(self, server: LocalServer) -> str:
        server.start()
        self.servers.append(server)
        return server.url

    def process_profile(self, **script: object) -> None:
        self.profile_only()
        path = process_script(self.tmp / "bin", **script)  # type: ignore[arg-type]
        add_profile(self.aws, "p", credential_process=process_command(path))

    def sso_profile(self, *, legacy: bool = False) -> None:
        self.profile_only()
        common = {"sso_account_id": "111122223333", "sso_role_name": "Admin", "region": "us-west-2"}
        if legacy:
            add_profile(
                self.aws,
                "sso",
                sso_start_url="https://corp.awsapps.com/start",
                sso_region="us-west-2",
                **common,
            )
        else:
            add_profile(self.aws, "sso", sso_session="corp", **common)
            with self.aws.config_file.open("a") as f:
                f.write(
                    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
                    "sso_region = us-west-2\nsso_registration_scopes = sso:account:access\n"
                )

    def sso_token(self, *, expires_in: timedelta, legacy: bool = False) -> None:
        """A cached SSO access token, as 'aws sso login' leaves it (no refresh token)."""
        cache = self.aws.home / ".aws" / "sso" / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        key = "https://corp.awsapps.com/start" if legacy else "corp"
        name = hashlib.sha1(key.encode()).hexdigest() + ".json"
        token = {
            "startUrl": "https://corp.awsapps.com/start",
            "region": "us-west-2",
            "accessToken": SSO_TOKEN,
            "expiresAt": format_rfc3339(utc_now() + expires_in),
        }
        (cache / name).write_text(json.dumps(token))


class _SsoPortal(LocalServer):
    """The SSO portal's GetRoleCredentials, refusing the token as it does after a sign-out."""

    def respond(self, request: RecordedRequest) -> Response:
        return Response.json(
            401,
            {"message": "Session token not found or invalid"},
            ("x-amzn-ErrorType", "UnauthorizedException"),
        )


def _closed_url() -> str:
    closed = LocalServer()
    url = closed.url
    closed.stop()
    return url


def no_credentials(w: World) -> Case:
    w.profile_only()
    return Case(says=("no AWS credentials found", "aws configure", "--profile"))


def unknown_profile(w: World) -> Case:
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "nope"),
        says=("AWS profile 'nope' not found", "list-profiles"),
    )


def source_profile_loop(w: World) -> Case:
    w.profile_only()
    add_profile(w.aws, "a", role_arn=ROLE, source_profile="b")
    add_profile(w.aws, "b", role_arn=ROLE, source_profile="a")
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "a"),
        says=("source_profile", "loop", "a -> b -> a"),
    )


def missing_source_profile(w: World) -> Case:
    w.profile_only()
    add_profile(w.aws, "a", role_arn=ROLE, source_profile="ghost")
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "a"),
        says=("ghost", "does not exist", "~/.aws/config"),
    )


def expired_environment(w: World) -> Case:
    ended = utc_now() - timedelta(minutes=3)
    return Case(
        env={"AWS_CREDENTIAL_EXPIRATION": format_rfc3339(ended)},
        says=(f"expired at {format_rfc3339(ended)}", "AWS_CREDENTIAL_EXPIRATION", "refresh them"),
    )


def malformed_expiration(w: World) -> Case:
    return Case(
        env={"AWS_CREDENTIAL_EXPIRATION": "next tuesday-ish"},
        says=("AWS_CREDENTIAL_EXPIRATION is not a time", "2026-11-29T23:44:00Z"),
    )


def expiration_without_zone(w: World) -> Case:
    return Case(
        env={"AWS_CREDENTIAL_EXPIRATION": "2099-11-29T23:44:00"},
        says=("AWS_CREDENTIAL_EXPIRATION has no time zone",),
    )


def process_missing(w: World) -> Case:
    w.profile_only()
    add_profile(w.aws, "p", credential_process=str(w.tmp / "nowhere" / "vault-helper --json"))
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "p"),
        says=("credential_process", "'vault-helper'", "profile 'p'", "was not found"),
    )


def process_not_executable(w: World) -> Case:
    w.profile_only()
    helper = w.tmp / "helper"
    helper.write_text("#!/bin/sh\necho {}\n")
    helper.chmod(0o644)
    add_profile(w.aws, "p", credential_process=str(helper))
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "p"),
        says=("'helper'", "is not executable"),
    )


def process_failing(w: World) -> Case:
    w.process_profile(
        output="",
        stderr=(
            "starting\nlog: token=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789\n"
            f"error: session expired for bob (password={STDERR_SECRET})\n"
        ),
        status=3,
    )
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "p"),
        says=("credential_process", "failed", "session expired for bob", "password=REDACTED"),
    )


def process_not_json(w: World) -> Case:
    w.process_profile(output="Please log in first\n")
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "p"),
        # the hint names the fields (redaction once ate `"SecretAccessKey": ...`)
        says=(
            "credential_process",
            "printed something that is not JSON",
            '"Version": 1, "AccessKeyId", "SecretAccessKey"',
        ),
    )


def process_expired(w: World) -> Case:
    ended = utc_now() - timedelta(minutes=5)
    w.process_profile(expiration=ended)
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "p"),
        says=("credential_process of profile 'p'", f"expired at {format_rfc3339(ended)}"),
    )


def sso_never_logged_in(w: World) -> Case:
    w.sso_profile()
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "sso"),
        says=("SSO session", "aws sso login --profile sso"),
    )


def sso_legacy_never_logged_in(w: World) -> Case:
    w.sso_profile(legacy=True)
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "sso"),
        says=("SSO session", "aws sso login --profile sso"),
    )


def sso_expired(w: World) -> Case:
    w.sso_profile(legacy=True)
    w.sso_token(expires_in=timedelta(hours=-1), legacy=True)
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "sso"),
        says=("expired", "aws sso login --profile sso"),
    )


def sso_session_expired(w: World) -> Case:
    w.sso_profile()
    w.sso_token(expires_in=timedelta(hours=-1))
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "sso"),
        says=("aws sso login --profile sso",),
    )


def sso_portal_rejects(w: World) -> Case:
    w.sso_profile(legacy=True)
    w.sso_token(expires_in=timedelta(hours=1), legacy=True)
    portal = w.serve(_SsoPortal())
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "sso"),
        env={"AWS_ENDPOINT_URL_SSO": portal},
        says=("aws sso login --profile sso",),
    )


def assume_role_denied(w: World) -> Case:
    sts = RoleSts(
        utc_now(),
        error=(
            403,
            "AccessDenied",
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            f"sts:AssumeRole on resource: {ROLE}",
        ),
    )
    return Case(
        args=("token", "-i", "my-cluster", "-r", ROLE),
        env={"AWS_ENDPOINT_URL_STS": w.serve(sts)},
        says=(ROLE, "denied", "user/alice", "trust policy"),
    )


def profile_role_denied(w: World) -> Case:
    w.profile_only()
    w.keys_in("base")
    add_profile(w.aws, "admin", role_arn=ROLE, source_profile="base", region="us-west-2")
    sts = RoleSts(utc_now(), error=(403, "AccessDenied", "not authorized to perform AssumeRole"))
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "admin"),
        env={"AWS_ENDPOINT_URL_STS": w.serve(sts)},
        says=(ROLE, "denied", "profile 'base'"),
    )


def sts_unreachable(w: World) -> Case:
    url = _closed_url()
    return Case(
        args=("token", "-i", "my-cluster", "-r", ROLE),
        env={"AWS_ENDPOINT_URL_STS": url, "AWS_MAX_ATTEMPTS": "1"},
        says=("network problem", url, ROLE),
    )


def profile_role_unreachable(w: World) -> Case:
    w.profile_only()
    w.keys_in("base")
    add_profile(w.aws, "admin", role_arn=ROLE, source_profile="base", region="us-west-2")
    url = _closed_url()
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "admin"),
        env={"AWS_ENDPOINT_URL_STS": url, "AWS_MAX_ATTEMPTS": "1"},
        says=("network problem", url, "not a configuration one"),
    )


def throttled(w: World) -> Case:
    sts = RoleSts(utc_now(), error=(400, "Throttling", "Rate exceeded"))
    return Case(
        args=("token", "-i", "my-cluster", "-r", ROLE),
        env={"AWS_ENDPOINT_URL_STS": w.serve(sts), "AWS_MAX_ATTEMPTS": "1"},
        says=("throttled", ROLE, "wait a moment"),
    )


def mfa_without_terminal(w: World) -> Case:
    w.profile_only()
    w.keys_in("base")
    add_profile(
        w.aws,
        "admin",
        role_arn=ROLE,
        source_profile="base",
        mfa_serial="arn:aws:iam::111122223333:mfa/alice",
        region="us-west-2",
    )
    return Case(
        args=("token", "-i", "my-cluster", "--profile", "admin"),
        says=("profile 'admin' needs an MFA code", "aws sts get-caller-identity --profile admin"),
    )


def container_unreachable(w: World) -> Case:
    w.profile_only()
    token = w.tmp / "pod-token"
    token.write_text("pod-identity-token")
    url = _closed_url() + "/v1/credentials"
    return Case(
        env={
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token),
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "1",
        },
        says=("network problem", url, "container-role"),
    )


def container_token_file_missing(w: World) -> Case:
    w.profile_only()
    missing = w.tmp / "no-such-token"
    return Case(
        env={
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": _closed_url() + "/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(missing),
        },
        says=(str(missing), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "No such file"),
    )


def web_identity_token_file_missing(w: World) -> Case:
    w.profile_only()
    missing = w.tmp / "no-such-web-identity-token"
    return Case(
        env={"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": str(missing)},
        says=(str(missing), "AWS_WEB_IDENTITY_TOKEN_FILE", "No such file"),
    )


CASES: dict[str, Callable[[World], Case]] = {
    f.__name__: f
    for f in (
        no_credentials,
        unknown_profile,
        source_profile_loop,
        missing_source_profile,
        expired_environment,
        malformed_expiration,
        expiration_without_zone,
        process_missing,
        process_not_executable,
        process_failing,
        process_not_json,
        process_expired,
        sso_never_logged_in,
        sso_legacy_never_logged_in,
        sso_expired,
        sso_session_expired,
        sso_portal_rejects,
        assume_role_denied,
        profile_role_denied,
        sts_unreachable,
        profile_role_unreachable,
        throttled,
        mfa_without_terminal,
        container_unreachable,
        container_token_file_missing,
        web_identity_token_file_missing,
    )
}


@pytest.fixture
def world(aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLEenvSESSIONtokenSECRET")
    monkeypatch.setenv("EKS_TOKEN_CACHE_DIR", str(tmp_path / "token-cache"))
    w = World(aws_env, tmp_path, monkeypatch)
    try:
        yield w
    finally:
        for server in w.servers:
            server.stop()


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_credential_failure_is_one_line_naming_cause_and_fix(world: World, name: str) -> None:
    case = CASES[name](world)
    env = dict(os.environ)
    env.update(case.env)
    secrets = [
        world.aws.secret_access_key,
        SESSION_TOKEN,
        SSO_TOKEN,
        STDERR_SECRET,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789",
        os.environ.get("AWS_SESSION_TOKEN", "-"),
    ]
    result = subprocess.run(
        [str(EKS_TOKEN), *case.args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal, as under CI or k9s
        timeout=120,
        check=False,
    )
    assert_clean_failure(result, status=1, mentions=case.says, secrets=tuple(secrets))
    for noise in ("unexpected", "report it", "Warning", "warning:"):
        assert noise not in result.stderr
    for server in world.servers:
        assert server.recorded, f"{type(server).__name__} was never asked"


# --- AssumeRole answered by something odd: one line naming what came back ---------------------

_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
_XML = [("Content-Type", "text/xml")]


def _assume_role_answer(
    *,
    expiration: str = "2099-01-01T00:00:00Z",
    token: str = SESSION_TOKEN,
    credentials: bool = True,
) -> bytes:
    inner = (
        "<Credentials><AccessKeyId>ASIAODDANSWEREXAMPLE</AccessKeyId>"
        "<SecretAccessKey>ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789</SecretAccessKey>"
        f"<SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration>"
        "</Credentials>"
        if credentials
        else ""
    )
    return (
        f'<AssumeRoleResponse xmlns="{_XMLNS}"><AssumeRoleResult>{inner}<AssumedRoleUser>'
        "<AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::111122223333:assumed-role/eks-admins/s</Arn></AssumedRoleUser>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    ).encode()


ODD_ANSWERS: dict[str, tuple[Response, tuple[str, ...]]] = {
    "captive portal": (
        Response(
            200,
            b"<!DOCTYPE html><html><head><title>Hotel Wi-Fi</title></head>"
            b"<body><form>Accept the terms</form></body></html>",
            [("Content-Type", "text/html; charset=utf-8")],
        ),
        ("HTML page", "between this machine and STS", "captive portal", "log in to the network"),
    ),
    "well-formed portal page": (
        Response(200, b"<html><body><p>Sign in</p></body></html>", [("Content-Type", "text/html")]),
        ("HTML page", "between this machine and STS"),
    ),
    "empty body": (Response(200, b"", _XML), ("answer was empty", "AWS_ENDPOINT_URL_STS")),
    "not XML": (
        Response(200, b'{"ok": true}', [("Content-Type", "application/json")]),
        ("not XML", "application/json"),
    ),
    "malformed XML": (
        Response(200, b"<AssumeRoleResponse><AssumeRoleResult><Credentials>", _XML),
        ("malformed XML",),
    ),
    "redirect elsewhere": (
        Response(302, b"", [("Location", "https://login.example.net/portal?session=abc")]),
        ("redirect (HTTP 302) to https://login.example.net", "not followed"),
    ),
    "Expiration not a date": (
        Response(200, _assume_role_answer(expiration="in a while"), _XML),
        ("Expiration is not a date",),
    ),
    "control character in SessionToken": (
        Response(200, _assume_role_answer(token="FwoGZXIv\x01YXdz"), _XML),
        ("control character in SessionToken",),
    ),
    "control character reference in SessionToken": (
        Response(200, _assume_role_answer(token="FwoGZXIv&#x1b;YXdz"), _XML),
        ("control character in SessionToken",),
    ),
    "tab in SessionToken": (
        Response(200, _assume_role_answer(token="FwoGZXIv\tYXdz"), _XML),
        ("SessionToken holds a control character",),
    ),
    "no Credentials element": (
        Response(200, _assume_role_answer(credentials=False), _XML),
        ("no Credentials element",),
    ),
    "nested 100,000 deep": (
        Response(200, b"<a>" * 100_000 + b"</a>" * 100_000, _XML),
        ("no AssumeRoleResult element",),
    ),
}


class OddSts(LocalServer):
    """An STS endpoint answering every request with one odd answer."""

    def __init__(self, answer: Response) -> None:
        super().__init__()
        self.answer = answer

    def respond(self, request: RecordedRequest) -> Response:
        return self.answer


@pytest.mark.parametrize("how", ["--role-arn", "profile role_arn"])
@pytest.mark.parametrize("odd", sorted(ODD_ANSWERS))
def test_an_odd_assume_role_answer_is_one_line_naming_it(world: World, odd: str, how: str) -> None:
    answer, says = ODD_ANSWERS[odd]
    sts = OddSts(answer)
    args = ["token", "-i", "my-cluster"]
    if how == "--role-arn":
        args += ["-r", ROLE]
    else:
        world.profile_only()
        world.keys_in("base")
        add_profile(world.aws, "admin", role_arn=ROLE, source_profile="base", region="us-west-2")
        args += ["--profile", "admin"]
    env = dict(os.environ)
    env.update({"AWS_ENDPOINT_URL_STS": world.serve(sts), "AWS_MAX_ATTEMPTS": "1"})
    result = subprocess.run(
        [str(EKS_TOKEN), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    secrets = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789", SESSION_TOKEN, "session=abc")
    assert_clean_failure(
        result, status=1, mentions=("AssumeRole", *says), secrets=(*secrets, "FwoGZXIv")
    )
    for noise in ("unexpected", "report it", "Traceback"):
        assert noise not in result.stderr
    assert len(sts.recorded) == 1  # not retried
