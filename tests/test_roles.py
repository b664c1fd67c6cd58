"""Role assumption and session-name forwarding against moto's STS, in-process and as a server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from moto import mock_aws
from moto.sts.models import sts_backends

from eks_token import AwsCredentials, errors, get_token
from tests.support.aws_env import AwsEnv
from tests.support.cli import assert_clean_failure, run_cli, served_token
from tests.support.local_server import LocalServer, RecordedRequest, Response
from tests.support.moto_server import MotoServer
from tests.support.sigv4_check import check_token

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account for keys it did not issue
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/eks-admins"
NOW = datetime(2026, 11, 28, 21, 0, 0, tzinfo=timezone.utc)


def _query(token: str) -> dict[str, str]:
    from eks_token.core.token import decode_token

    return {k: v[0] for k, v in parse_qs(urlsplit(decode_token(token)).query).items()}


def _assumed(token: str) -> Any:
    key_id = _query(token)["X-Amz-Credential"].split("/")[0]
    backend = sts_backends[DEFAULT_ACCOUNT_ID]["global"]
    assumed = backend.get_assumed_role_from_access_key(key_id)
    assert assumed is not None, f"{key_id} was not issued by AssumeRole"
    return assumed


def _assert_signed_by(token: str, assumed: Any, cluster_id: str, now: datetime) -> None:
    assert _query(token)["X-Amz-Security-Token"] == assumed.session_token
    result = check_token(
        token,
        cluster_id=cluster_id,
        keys={assumed.access_key_id: assumed.secret_access_key},
        session_tokens={assumed.access_key_id: assumed.session_token},
        now=now,
        host_allowed=lambda host: True,
    )
    assert result.ok, result.reason


@pytest.fixture
def mock_sts(aws_env: AwsEnv) -> Iterator[None]:
    with mock_aws():
        yield


def test_assume_role_with_external_id_and_session_name(mock_sts: None) -> None:
    token = get_token(
        "prod", role_arn=ROLE, external_id="ext-123", session_name="ci-deploy", now=NOW
    )
    assumed = _assumed(token.value)
    assert (assumed.role_arn, assumed.session_name, assumed.external_id) == (
        ROLE,
        "ci-deploy",
        "ext-123",
    )
    assert assumed.access_key_id != "AKIAIOSFODNN7EXAMPLE"
    _assert_signed_by(token.value, assumed, "prod", NOW)


def test_default_session_name_is_the_aws_cli_one(mock_sts: None) -> None:
    assert _assumed(get_token("prod", role_arn=ROLE, now=NOW).value).session_name == (
        "EKSGetTokenAuth"
    )


def _session_credentials(session_name: str) -> AwsCredentials:
    client = botocore.session.Session().create_client("sts", region_name="us-west-2")
    base = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/AWSReservedSSO_Admin"
    creds = client.assume_role(RoleArn=base, RoleSessionName=session_name)["Credentials"]
    return AwsCredentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def test_forward_session_name_uses_the_callers_session(mock_sts: None) -> None:
    sso = _session_credentials("alice@example.com")
    token = get_token("prod", credentials=sso, role_arn=ROLE, forward_session_name=True, now=NOW)
    assert _assumed(token.value).session_name == "alice@example.com"


def test_forward_session_name_without_a_session_falls_back(mock_sts: None) -> None:
    token = get_token("prod", role_arn=ROLE, forward_session_name=True, now=NOW)
    assert _assumed(token.value).session_name == "EKSGetTokenAuth"


@pytest.mark.parametrize(
    ("kwargs", "error", "option"),
    [
        ({"role_arn": "arn:aws:iam::123456789012:user/bob"}, errors.InvalidInputError, "role_arn"),
        ({"role_arn": "eks-admins"}, errors.InvalidInputError, "role_arn"),
        ({"role_arn": "arn:aws-x:iam::123456789012:role/x"}, errors.InvalidInputError, "role_arn"),
        ({"role_arn": "arn:aws:iam::12345:role/x"}, errors.InvalidInputError, "role_arn"),
        ({"external_id": "x"}, errors.InvalidInputError, "role_arn"),
        (
            {"role_arn": ROLE, "session_name": "a", "forward_session_name": True},
            errors.InvalidInputError,
            "session_name",
        ),
        ({"role_arn": ROLE, "session_name": "has space"}, errors.InvalidInputError, "session_name"),
    ],
)
def test_role_arguments_are_checked(
    aws_env: AwsEnv, kwargs: dict[str, Any], error: type[Exception], option: str
) -> None:
    with pytest.raises(error) as caught:
        get_token("prod", **kwargs)
    assert isinstance(caught.value, errors.InvalidInputError)
    assert caught.value.option == option


def test_cli_assumes_roles_through_sts(moto_sts: MotoServer) -> None:
    result = run_cli("token", "-i", "prod", "-r", ROLE, "-e", "ext-9", "-s", "deployer")
    token = served_token(result)
    assert urlsplit(_decoded(token)).netloc == urlsplit(moto_sts.url).netloc
    assumed = _assumed(token)
    assert (assumed.role_arn, assumed.session_name, assumed.external_id) == (
        ROLE,
        "deployer",
        "ext-9",
    )
    assert _query(token)["X-Amz-Security-Token"] == assumed.session_token


def test_cli_reads_default_role_and_the_aws_cli_role_flag(moto_sts: MotoServer) -> None:
    env_role = run_cli("token", "-i", "prod", extra_env={"DEFAULT_ROLE": ROLE})
    assumed = _assumed(served_token(env_role))
    assert assumed.role_arn == ROLE
    cli_form = run_cli("get-token", "--cluster-name", "prod", "--role-arn", ROLE)
    assumed = _assumed(served_token(cli_form))
    assert (assumed.role_arn, assumed.session_name) == (ROLE, "EKSGetTokenAuth")


def _decoded(token: str) -> str:
    from eks_token.core.token import decode_token

    return decode_token(token)


class _DenyingSts(LocalServer):
    """STS that refuses every AssumeRole, as it does for a principal without permission."""

    def respond(self, request: RecordedRequest) -> Response:
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
            "arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole"
            "</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        )
        return Response(403, body.encode(), [("Content-Type", "text/xml")])


def test_assume_role_denied_is_one_clean_line(aws_env: AwsEnv) -> None:
    with _DenyingSts() as sts:
        result = run_cli(
            "token", "-i", "prod", "-r", ROLE, extra_env={"AWS_ENDPOINT_URL_STS": sts.url}
        )
        assert sts.recorded, "AssumeRole never reached STS"
    assert_clean_failure(
        result, status=1, mentions="AccessDenied", secrets=(aws_env.secret_access_key,)
    )
    assert ROLE in result.stderr


def test_assume_role_unreachable_is_one_clean_line(aws_env: AwsEnv) -> None:
    closed = LocalServer()
    url = closed.url
    closed.stop()
    result = run_cli(
        "token",
        "-i",
        "prod",
        "-r",
        ROLE,
        extra_env={"AWS_ENDPOINT_URL_STS": url, "AWS_MAX_ATTEMPTS": "1"},
    )
    assert_clean_failure(
        result, status=1, mentions="AssumeRole", secrets=(aws_env.secret_access_key,)
    )
    assert "connect" in result.stderr.lower()


class _PortalSts(LocalServer):
    """A captive portal in STS's place: every request gets its login page."""

    def respond(self, request: RecordedRequest) -> Response:
        page = b"<html><head><title>Guest Wi-Fi</title></head><body>Log in</body></html>"
        return Response(200, page, [("Content-Type", "text/html")])


@pytest.mark.parametrize("given_session", [False, True])
def test_the_library_names_a_captive_portal_answering_assume_role(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, given_session: bool
) -> None:
    with _PortalSts() as portal:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", portal.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        options: dict[str, Any] = {"role_arn": ROLE, "now": NOW}
        if given_session:  # a botocore session of the caller's, not one eks-token made
            options["session"] = botocore.session.Session()
        with pytest.raises(errors.RoleAssumptionError, match="HTML page") as caught:
            get_token("prod", **options)
        assert portal.recorded
    assert "between this machine and STS" in str(caught.value)
