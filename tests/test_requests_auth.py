from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from certifi import where as certifi_where

from eks_token.inprocess.provider import TokenProvider
from eks_token.transport.requests_auth import EksTokenAuth, cluster_session
from tests.manual_clock import ManualClock
from tests.support.api_server import ApiServer
from tests.support.aws_env import AwsEnv
from tests.support.local_server import Tls

CLUSTER = "my-cluster"
PODS = "/api/v1/namespaces/default/pods"
REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
REVIEW_BODY = json.dumps({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1"})


class OneShotBody:
    """A body that can be read once: no seek, no tell (like a generator, but with a length)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[bytes]:
        yield self.data


@pytest.fixture
def server_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(api_server: ApiServer, server_clock: ManualClock) -> ApiServer:
    api_server.now = server_clock
    return api_server


@pytest.fixture
def session(provider: TokenProvider, server: ApiServer) -> Iterator[requests.Session]:
    with cluster_session(provider, server.url, server.ca_pem) as session:
        yield session


def advance(clock: ManualClock, server_clock: ManualClock, delta: timedelta) -> None:
    clock.advance(delta)
    server_clock.advance(delta)


def expire_on_the_server_only(
    session: requests.Session,
    server: ApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
    minutes: int = 16,
) -> None:
    """One request with a fresh token; five minutes on, the server's clock runs ``minutes``
    ahead: it refuses the token the provider still thinks fresh."""
    session.get(server.url + PODS, timeout=10).raise_for_status()
    clock.advance(timedelta(minutes=5))
    server_clock.advance(timedelta(minutes=minutes))


def test_requests_carry_the_providers_token(
    session: requests.Session, server: ApiServer, provider: TokenProvider
) -> None:
    response = session.get(server.url + PODS, timeout=10)
    assert response.status_code == 200
    assert response.json()["kind"] == "PodList"
    assert server.tokens == [provider.token().value]


def test_the_token_is_refreshed_ahead_of_expiry(
    session: requests.Session,
    server: ApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    session.get(server.url + PODS, timeout=10).raise_for_status()
    advance(clock, server_clock, timedelta(minutes=8))
    session.get(server.url + PODS, timeout=10).raise_for_status()
    first, second = server.tokens
    assert first != second
    assert [check.ok for check in server.checks] == [True, True]
    assert server.checks[1].signing_time == clock()


def test_a_401_refreshes_once_and_the_retry_succeeds(
    session: requests.Session,
    server: ApiServer,
    provider: TokenProvider,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    expire_on_the_server_only(session, server, clock, server_clock)
    response = session.get(server.url + PODS, timeout=10)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    first, rejected, retried = server.tokens
    assert rejected == first
    assert retried != first
    assert retried == provider.token().value
    assert provider.refresh_count == 2
    assert response.request.headers["Authorization"] == f"Bearer {retried}"


def test_a_second_401_reaches_the_caller(
    session: requests.Session,
    server: ApiServer,
    provider: TokenProvider,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    expire_on_the_server_only(session, server, clock, server_clock, 60)
    response = session.get(server.url + PODS, timeout=10)
    assert response.status_code == 401
    assert response.json()["reason"] == "Unauthorized"
    assert [r.status_code for r in response.history] == [401]
    assert len(server.recorded) == 3
    assert provider.refresh_count == 2


def test_a_byte_body_is_sent_again(
    session: requests.Session,
    server: ApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    expire_on_the_server_only(session, server, clock, server_clock)
    response = session.post(server.url + REVIEWS, data=REVIEW_BODY.encode(), timeout=10)
    assert response.status_code == 201
    assert response.json()["status"]["userInfo"]["username"] == "alice"
    assert [r.body for r in server.recorded[1:]] == [REVIEW_BODY.encode()] * 2


def test_a_seekable_file_body_is_rewound_and_sent_again(
    session: requests.Session,
    server: ApiServer,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    expire_on_the_server_only(session, server, clock, server_clock)
    body = io.BytesIO(b"ignored prefix " + REVIEW_BODY.encode())
    body.seek(len(b"ignored prefix "))
    response = session.post(server.url + REVIEWS, data=body, timeout=10)
    assert response.status_code == 201
    assert [r.body for r in server.recorded[1:]] == [REVIEW_BODY.encode()] * 2


def test_a_body_that_cannot_be_replayed_is_not_retried(
    session: requests.Session,
    server: ApiServer,
    provider: TokenProvider,
    clock: ManualClock,
    server_clock: ManualClock,
) -> None:
    expire_on_the_server_only(session, server, clock, server_clock)
    body = OneShotBody(REVIEW_BODY.encode())
    response = session.post(server.url + REVIEWS, data=body, timeout=10)
    assert response.status_code == 401
    assert response.history == []
    assert len(server.recorded) == 2
    # The token was still renewed, so the caller's own retry goes through.
    assert provider.refresh_count == 2
    retry = session.post(server.url + REVIEWS, data=REVIEW_BODY, timeout=10)
    assert retry.status_code == 201


def test_other_errors_are_not_retried(session: requests.Session, server: ApiServer) -> None:
    response = session.get(server.url + "/api/v1/nothing-here", timeout=10)
    assert response.status_code == 404
    assert len(server.recorded) == 1


def test_the_session_trusts_only_the_given_ca(
    provider: TokenProvider, server: ApiServer, aws_env: AwsEnv
) -> None:
    with (
        cluster_session(provider, server.url) as session,
        pytest.raises(requests.exceptions.SSLError),
    ):
        session.get(server.url + PODS, timeout=10)
    assert server.recorded == []


def test_auth_on_a_plain_request(
    provider: TokenProvider, server: ApiServer, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(server.ca_pem)
    response = requests.get(
        server.url + PODS, auth=EksTokenAuth(provider), verify=str(ca_file), timeout=10
    )
    assert response.status_code == 200


def test_the_cluster_ca_wins_over_verify_false_and_the_bundle_variables(
    provider: TokenProvider, server: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Tls()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi_where())
    with cluster_session(provider, server.url, other.ca_pem) as session:
        for verify in (True, False, certifi_where()):
            with pytest.raises(requests.exceptions.SSLError):
                session.get(server.url + PODS, timeout=10, verify=verify)
    assert server.recorded == []


def test_no_ca_file_is_written(
    provider: TokenProvider, server: ApiServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    with cluster_session(provider, server.url, server.ca_pem) as session:
        assert session.get(server.url + PODS, timeout=10).status_code == 200
    assert list(temp.iterdir()) == []


def test_the_token_goes_to_the_cluster_server_only(provider: TokenProvider) -> None:
    auth = EksTokenAuth(provider, server="https://example.eks.amazonaws.com")
    to_cluster = requests.Request("GET", "https://EXAMPLE.eks.amazonaws.com:443/api").prepare()
    elsewhere = requests.Request("GET", "https://attacker.example/api").prepare()
    assert auth(to_cluster).headers["Authorization"] == f"Bearer {provider.token().value}"
    assert "Authorization" not in auth(elsewhere).headers


def test_repr_shows_no_token(provider: TokenProvider) -> None:
    token = provider.token()
    assert token.value not in repr(EksTokenAuth(provider))


def test_the_session_takes_the_ca_as_a_kubeconfig_holds_it(
    server: ApiServer, provider: TokenProvider
) -> None:
    import base64

    as_in_kubeconfig = base64.b64encode(server.ca_pem).decode("ascii")
    with cluster_session(provider, server.url, as_in_kubeconfig) as session:
        assert session.get(f"{server.url}/api/v1/namespaces/default/pods").status_code == 200


def test_a_ca_path_is_refused_when_the_session_is_made(provider: TokenProvider) -> None:
    from eks_token.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="a file path"):
        cluster_session(provider, "https://127.0.0.1:9", "/etc/ssl/ca.pem")
