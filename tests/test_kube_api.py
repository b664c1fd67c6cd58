"""whoami and can-i against the local HTTPS API server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import trustme

from eks_token.cluster.kube_api import KubeApi
from eks_token.errors import ApiRequestError, ApiTlsError, ApiUnauthorizedError, ApiUnreachableError
from tests.cluster_side_helpers import SIGNED_AT, ConfigMapApiServer, closed_port, make_token
from tests.support.api_server import ApiServer, Rule
from tests.support.local_server import LocalServer, RecordedRequest, Response


@pytest.fixture
def server() -> Iterator[ApiServer]:
    rules = [Rule("get", "pods", namespace="team-a"), Rule("create", "deployments")]
    with ApiServer(rules=rules, now=lambda: SIGNED_AT) as running:
        yield running


def api_for(server: ApiServer, token: str | None = None) -> KubeApi:
    return KubeApi(server.url, token or make_token(), ca_data=server.ca_pem)


def test_whoami(server: ApiServer) -> None:
    with api_for(server) as api:
        user = api.whoami()
    assert user.username == "alice"
    assert user.groups == ("developers", "system:authenticated")
    assert user.api_version == "authentication.k8s.io/v1"
    (request,) = server.recorded
    assert request.token == make_token()


def test_whoami_falls_back_to_older_versions() -> None:
    old = ConfigMapApiServer(without_versions={"v1", "v1beta1"}, now=lambda: SIGNED_AT)
    with old, api_for(old) as api:
        user = api.whoami()
    assert user.api_version == "authentication.k8s.io/v1alpha1"
    assert [r.path.split("/")[3] for r in old.recorded] == ["v1", "v1beta1", "v1alpha1"]


def test_can_i_yes_and_no(server: ApiServer) -> None:
    with api_for(server) as api:
        assert api.can_i("get", "pods", namespace="team-a").allowed
        assert not api.can_i("get", "pods", namespace="team-b").allowed
        review = api.can_i("create", "deployments.apps", namespace="x")
    assert review.allowed
    spec = server.recorded[-1].json()["spec"]["resourceAttributes"]
    assert spec == {"verb": "create", "resource": "deployments", "group": "apps", "namespace": "x"}


def test_unmapped_identity_is_401() -> None:
    with ApiServer(users={}, now=lambda: SIGNED_AT) as server, api_for(server) as api:
        with pytest.raises(ApiUnauthorizedError):
            api.whoami()
        with pytest.raises(ApiUnauthorizedError):
            api.can_i("get", "pods")


def test_token_for_another_cluster_is_401(server: ApiServer) -> None:
    with api_for(server, make_token("other")) as api, pytest.raises(ApiUnauthorizedError):
        api.whoami()


def test_wrong_ca(server: ApiServer) -> None:
    other_ca = trustme.CA().cert_pem.bytes()
    api = KubeApi(server.url, make_token(), ca_data=other_ca)
    with api, pytest.raises(ApiTlsError, match="certificate authority"):
        api.whoami()
    assert server.recorded == []


def test_system_trust_store_does_not_trust_the_test_ca(server: ApiServer) -> None:
    with KubeApi(server.url, make_token()) as api, pytest.raises(ApiTlsError):
        api.ping()


def test_unreachable_endpoint() -> None:
    api = KubeApi(f"https://127.0.0.1:{closed_port()}", make_token(), timeout=5)
    with api, pytest.raises(ApiUnreachableError, match="cannot be reached"):
        api.whoami()


def test_ping_needs_no_token(server: ApiServer) -> None:
    with api_for(server) as api:
        assert api.ping() == 401
    assert server.recorded[0].token is None


def test_repr_hides_the_token(server: ApiServer) -> None:
    token = make_token()
    assert token not in repr(api_for(server, token))


class FixedReplyServer(LocalServer):
    """Plain HTTP; answers every request with one JSON payload and status 201."""

    def __init__(self, payload: Any) -> None:
        super().__init__()
        self.payload = payload

    def respond(self, request: RecordedRequest) -> Response:
        return Response.json(201, self.payload)


def user_info(**fields: Any) -> dict[str, Any]:
    return {"status": {"userInfo": {"username": "alice", **fields}}}


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        ({"status": "not an object"}, "has no user"),
        ({"status": ["a", "list"]}, "has no user"),
        ({"status": {"userInfo": "alice"}}, "has no user"),
        ({"status": {"userInfo": {"username": 7}}}, "has no user"),
        ([1, 2], "has no user"),
        (user_info(extra={"scopes": "one-string"}), "extra values that are not lists"),
        (user_info(extra={"scopes": 5}), "extra values that are not lists"),
        (user_info(extra=["not", "a", "mapping"]), "extra values that are not lists"),
        (user_info(groups="admins"), "groups that are not a list"),
    ],
)
def test_malformed_self_subject_reviews_are_api_request_errors(payload: Any, what: str) -> None:
    with (
        FixedReplyServer(payload) as server,
        KubeApi(server.url, make_token()) as api,
        pytest.raises(ApiRequestError, match=what) as caught,
    ):
        api.whoami()
    assert caught.value.status == 201
    assert make_token() not in str(caught.value)


def test_a_well_formed_review_from_the_stand_in_is_read() -> None:
    payload = user_info(uid=12, groups=["g"], extra={"scopes": ["a", 1]})
    with FixedReplyServer(payload) as server, KubeApi(server.url, make_token()) as api:
        user = api.whoami()
    assert (user.uid, user.groups, user.extra) == ("12", ("g",), {"scopes": ["a", "1"]})


class DeepReplyServer(LocalServer):
    """Plain HTTP; answers every request with JSON nested 100,000 deep."""

    def respond(self, request: RecordedRequest) -> Response:
        body = b'{"status": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        return Response(201, body, [("Content-Type", "application/json")])


def test_an_answer_nested_100000_deep_is_an_api_request_error() -> None:
    with (
        DeepReplyServer() as server,
        KubeApi(server.url, make_token()) as api,
        pytest.raises(ApiRequestError) as caught,
    ):
        api.whoami()
    assert caught.value.status == 201
