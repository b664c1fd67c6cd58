"""Verification against the local STS stand-in: round trips, failures, hostile tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from eks_token.cluster.verifier import TokenVerifier, sts_server_date, verify_token
from eks_token.errors import (
    InvalidInputError,
    StsRejectedError,
    StsThrottledError,
    StsUnreachableError,
    TokenValidationError,
)
from tests.cluster_side_helpers import (
    ADMIN_SESSION,
    BOB,
    CLUSTER,
    HOSTILE_HOSTS,
    ONE_RULE_BROKEN,
    SIGNED_AT,
    closed_port,
    make_token,
    replace_param,
    token_of,
    url_of,
    with_host,
)
from tests.support.sts_standin import StsStandin

NOW = SIGNED_AT + timedelta(minutes=2)


@pytest.fixture
def standin(sts_standin: StsStandin) -> StsStandin:
    sts_standin.freeze(NOW)
    return sts_standin


def verifier(standin: StsStandin, cluster_id: str = CLUSTER) -> TokenVerifier:
    return TokenVerifier(cluster_id, sts_endpoint_url=standin.url)


def test_user_round_trip(standin: StsStandin) -> None:
    identity = verifier(standin).verify(make_token(), now=NOW)
    assert identity.to_dict() == {
        "arn": "arn:aws:iam::111122223333:user/alice",
        "canonical_arn": "arn:aws:iam::111122223333:user/alice",
        "account_id": "111122223333",
        "user_id": "AIDAJQABLZS4A3QDU576Q",
        "session_name": None,
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "sts_host": "sts.us-west-2.amazonaws.com",
    }
    (request,) = standin.recorded
    assert request.header("x-k8s-aws-id") == CLUSTER
    assert request.header("accept") == "application/json"
    assert request.header("host") == "sts.us-west-2.amazonaws.com"


def test_assumed_role_round_trip(standin: StsStandin) -> None:
    identity = verify_token(
        make_token(credentials=ADMIN_SESSION, region=None),
        CLUSTER,
        sts_endpoint_url=standin.url,
        now=NOW,
    )
    assert identity.arn == "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com"
    assert identity.canonical_arn == "arn:aws:iam::111122223333:role/Admin"
    assert (identity.user_id, identity.session_name) == ("AROAEXAMPLEID", "alice@example.com")
    assert identity.access_key_id == "ASIAROLEEXAMPLE00001"
    assert identity.sts_host == "sts.amazonaws.com"


def test_federated_user_keeps_the_whole_user_id(standin: StsStandin) -> None:
    identity = verifier(standin).verify(make_token(credentials=BOB), now=NOW)
    assert identity.canonical_arn == "arn:aws:sts::111122223333:federated-user/bob"
    assert (identity.user_id, identity.session_name) == ("111122223333:bob", None)


def test_token_for_another_cluster_is_rejected_by_sts(standin: StsStandin) -> None:
    with pytest.raises(StsRejectedError) as caught:
        verifier(standin, "other-cluster").verify(make_token(), now=NOW)
    assert (caught.value.status, caught.value.code) == (403, "SignatureDoesNotMatch")
    assert standin.recorded[0].header("x-k8s-aws-id") == "other-cluster"


def test_tampered_signature(standin: StsStandin) -> None:
    url = url_of(make_token())
    signature = url.rsplit("=", 1)[1]
    tampered = url[: -len(signature)] + ("0" if signature[0] != "0" else "1") + signature[1:]
    with pytest.raises(StsRejectedError) as caught:
        verifier(standin).verify(token_of(tampered), now=NOW)
    assert caught.value.code == "SignatureDoesNotMatch"


def test_old_date_fails_the_static_rule_before_sts(standin: StsStandin) -> None:
    old = make_token(when=SIGNED_AT - timedelta(minutes=20))
    with pytest.raises(TokenValidationError) as caught:
        verifier(standin).verify(old, now=NOW)
    assert caught.value.rule == "expired"
    assert standin.recorded == []


def test_old_date_by_sts_clock_is_rejected_by_sts(standin: StsStandin) -> None:
    standin.freeze(SIGNED_AT + timedelta(minutes=30))
    with pytest.raises(StsRejectedError, match="expired"):
        verifier(standin).verify(make_token(), now=NOW)


def test_a_rejection_keeps_sts_date_header(standin: StsStandin) -> None:
    standin.freeze(SIGNED_AT + timedelta(minutes=30))
    standin.date_offset = timedelta(minutes=1)
    with pytest.raises(StsRejectedError) as caught:
        verifier(standin).verify(make_token(), now=NOW)
    assert sts_server_date(caught.value) == SIGNED_AT + timedelta(minutes=31)


def test_throttled(standin: StsStandin) -> None:
    standin.throttle = True
    with pytest.raises(StsThrottledError) as caught:
        verifier(standin).verify(make_token(), now=NOW)
    assert caught.value.status == 400
    assert sts_server_date(caught.value) == NOW


def test_unreachable() -> None:
    unreachable = TokenVerifier(CLUSTER, sts_endpoint_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(StsUnreachableError) as caught:
        unreachable.verify(make_token(), now=NOW)
    assert str(caught.value).endswith("could not be reached: connection refused or host unknown")
    assert sts_server_date(caught.value) is None


def test_bad_options() -> None:
    with pytest.raises(InvalidInputError):
        TokenVerifier(CLUSTER, partition="aws-moon")
    with pytest.raises(InvalidInputError):
        TokenVerifier(CLUSTER, sts_endpoint_url="ftp://example")
    with pytest.raises(InvalidInputError):
        TokenVerifier(" ")


HOSTILE = {
    **{f"rule-{rule}": token for rule, token in ONE_RULE_BROKEN.items()},
    "cve-2022-2385": token_of(
        url_of(make_token())
        + "&x-amz-credential=AKIAEVIL00000EXAMPLE%2F20260115%2Fus-west-2%2Fsts%2Faws4_request"
    ),
    "non-whitelisted": token_of(url_of(make_token()) + "&Foo=bar"),
    "repeated": token_of(url_of(make_token()) + "&Version=2011-06-15"),
    "semicolon": token_of(url_of(make_token()).replace("&", ";", 1)),
    "padding": make_token() + "=",
    "not-url-safe": make_token().replace("-", "+").replace("_", "/") + "+/",
    "too-long": make_token() + "A" * 4096,
    "expires-high": token_of(replace_param(url_of(make_token()), "X-Amz-Expires", "901")),
    "expires-negative": token_of(replace_param(url_of(make_token()), "X-Amz-Expires", "-1")),
    "cluster-header-unsigned": token_of(
        replace_param(url_of(make_token()), "X-Amz-SignedHeaders", "host")
    ),
    **{f"host-{host}": with_host(host) for host in HOSTILE_HOSTS},
}


@pytest.mark.parametrize("token", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_tokens_never_reach_sts(standin: StsStandin, token: str) -> None:
    with pytest.raises(TokenValidationError):
        verifier(standin).verify(token, now=NOW)
    assert standin.recorded == []


def test_error_messages_hold_no_token(standin: StsStandin) -> None:
    token = make_token(credentials=ADMIN_SESSION)
    with pytest.raises(StsRejectedError) as caught:
        verifier(standin, "other").verify(token, now=NOW)
    assert ADMIN_SESSION.session_token
    assert ADMIN_SESSION.session_token not in str(caught.value)
    assert url_of(token).rsplit("=", 1)[1] not in str(caught.value)


USER_ID_KEY = "ASIAUSERIDEXAMPLE001"
USER_ID_SECRET = "userIdSecretEXAMPLE/K7MDENG/bPxRfiCYEXAMPLE"


@pytest.mark.parametrize(
    ("arn", "user_id", "expected"),
    [
        ("arn:aws:sts::111122223333:assumed-role/Dev/alice", "AROAEX:alice", ("AROAEX", "alice")),
        ("arn:aws:iam::111122223333:role/Dev", "AROAEX:alice", ("AROAEX", "alice")),
        ("arn:aws:iam::111122223333:role/Dev", "AROAEX:alice:extra", None),
        ("arn:aws:sts::111122223333:assumed-role/Dev/alice", "AROAEX:a:b", None),
        ("arn:aws:iam::111122223333:role/Dev", "AROAEX", None),
        ("arn:aws:iam::111122223333:user/carol", "AIDAEX", ("AIDAEX", None)),
        (
            "arn:aws:sts::111122223333:federated-user/dan",
            "111122223333:dan",
            ("111122223333:dan", None),
        ),
    ],
)
def test_verify_cli_splits_the_user_id_as_the_cluster(
    arn: str, user_id: str, expected: tuple[str, str | None] | None
) -> None:
    """At the CLI, against an STS stand-in that answers ``arn`` and ``user_id``."""
    import json
    from datetime import datetime, timezone

    from eks_token.core.credentials import AwsCredentials
    from tests.support.cli import assert_clean_failure, run_cli
    from tests.support.sts_standin import StsIdentity

    identities = {USER_ID_KEY: StsIdentity(arn, user_id, USER_ID_SECRET, "FwoGEXAMPLEsession")}
    credentials = AwsCredentials(USER_ID_KEY, USER_ID_SECRET, "FwoGEXAMPLEsession")
    with StsStandin(identities) as sts:
        # The command checks against the real clock: sign now.
        token = make_token(credentials=credentials, when=datetime.now(timezone.utc))
        result = run_cli("verify", "-i", CLUSTER, "-t", token, "--sts-endpoint-url", sts.url)
    if expected is None:
        assert_clean_failure(result, status=1, mentions="malformed UserId", secrets=(token,))
        return
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert (identity["user_id"], identity["session_name"]) == expected


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (200, DEEP, "without a GetCallerIdentity result in JSON"),
        (200, b'{"GetCallerIdentityResponse": ' + DEEP + b"}", "without a GetCallerIdentity"),
        (403, b'{"Error": ' + DEEP + b"}", "STS rejected the token (HTTP 403)"),
    ],
)
def test_an_sts_answer_nested_100000_deep_is_a_clean_error(
    status: int, body: bytes, says: str
) -> None:
    from datetime import datetime, timezone

    from eks_token.errors import StsError
    from tests.support.cli import assert_clean_failure, run_cli
    from tests.support.local_server import LocalServer, RecordedRequest, Response

    class DeepSts(LocalServer):
        def respond(self, request: RecordedRequest) -> Response:
            return Response(status, body, [("Content-Type", "application/json")])

    with DeepSts() as sts:
        with pytest.raises(StsError, match=re.escape(says)):
            TokenVerifier(CLUSTER, sts_endpoint_url=sts.url).verify(make_token(), now=NOW)
        token = make_token(when=datetime.now(timezone.utc))
        result = run_cli("verify", "-i", CLUSTER, "-t", token, "--sts-endpoint-url", sts.url)
    assert_clean_failure(result, status=1, mentions=says, secrets=(token,))
    assert "unexpected" not in result.stderr
