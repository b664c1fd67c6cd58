"""Redirects: the token never follows the request away from the cluster's API server."""

from __future__ import annotations

import pytest
import requests

from eks_token.core.credentials import AwsCredentials
from eks_token.inprocess.provider import TokenProvider
from eks_token.transport.requests_auth import EksTokenAuth
from tests.manual_clock import ManualClock
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, AwsEnv
from tests.support.local_server import LocalServer, RecordedRequest, Response

CLUSTER = "my-cluster"
PODS = "/api/v1/namespaces/default/pods"


@pytest.fixture
def provider(aws_env: AwsEnv) -> TokenProvider:
    credentials = AwsCredentials(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY)
    return TokenProvider(CLUSTER, credentials=credentials, region="us-west-2", clock=ManualClock())


class Redirecting(LocalServer):
    """Answers every request with a redirect to ``target``."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def respond(self, request: RecordedRequest) -> Response:
        return Response(302, headers=[("Location", self.target)])


class Refusing(LocalServer):
    """Answers every request with 401, as a server that wants credentials would."""

    def respond(self, request: RecordedRequest) -> Response:
        return Response(401, b'{"reason": "Unauthorized"}')


@pytest.mark.parametrize("with_server", [True, False], ids=["server-set", "no-server"])
def test_a_401_after_a_redirect_elsewhere_gets_no_token(
    provider: TokenProvider, with_server: bool
) -> None:
    with Refusing() as elsewhere, Redirecting(elsewhere.url + "/login") as cluster:
        auth = EksTokenAuth(provider, server=cluster.url if with_server else None)
        with requests.Session() as session:
            session.auth = auth
            response = session.get(cluster.url + PODS, timeout=10)
        assert response.status_code == 401
        assert cluster.recorded[0].header("Authorization") == f"Bearer {provider.token().value}"
        assert len(elsewhere.recorded) == 1
        assert elsewhere.recorded[0].header("Authorization") is None
    assert provider.refresh_count == 1


def test_a_redirect_that_leaves_the_servers_origin_drops_the_token(
    provider: TokenProvider,
) -> None:
    """requests keeps Authorization from http to https on the default ports; we do not."""
    assert not requests.Session().should_strip_auth(  # type: ignore[no-untyped-call]
        "http://cluster.test/a", "https://cluster.test/b"
    )
    auth = EksTokenAuth(provider, server="http://cluster.test")
    sent = auth(requests.Request("GET", "http://cluster.test/api").prepare())
    assert "Authorization" in sent.headers
    redirect = requests.Response()
    redirect.status_code = 302
    redirect.headers["Location"] = "https://cluster.test/api"
    redirect.url = "http://cluster.test/api"
    redirect.request = sent
    for hook in sent.hooks["response"]:
        hook(redirect)
    assert "Authorization" not in sent.headers
    same_origin = auth(requests.Request("GET", "http://cluster.test/api").prepare())
    redirect.headers["Location"] = "/api/v1"
    redirect.request = same_origin
    for hook in same_origin.hooks["response"]:
        hook(redirect)
    assert "Authorization" in same_origin.headers
