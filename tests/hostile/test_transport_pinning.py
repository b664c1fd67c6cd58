"""Transport pinning: the bearer token goes only through the adapter that trusts the
cluster's CA, however the cluster's origin is spelled, and never through requests'
default adapter (which trusts the system store or REQUESTS_CA_BUNDLE)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from eks_token.inprocess.provider import TokenProvider
from eks_token.transport.requests_auth import cluster_session
from tests.support.local_server import LocalServer, RecordedRequest, Response, Tls


class Cluster(LocalServer):
    """HTTPS on loopback (a certificate for 127.0.0.1 and localhost); ``/hop`` redirects to
    ``location``; everything else answers 200 and is recorded with its bearer token."""

    def __init__(self) -> None:
        super().__init__(tls=Tls())
        self.location = "/"

    def respond(self, request: RecordedRequest) -> Response:
        if request.path == "/hop":
            return Response(302, headers=[("Location", self.location)])
        return Response.json(200, {"path": request.path})

    def bearer(self, path: str) -> str | None:
        """The bearer token the last request for ``path`` carried (None: none)."""
        found = [r for r in self.recorded if r.path == path]
        assert found, f"no request for {path}"
        scheme, _, token = (found[-1].header("authorization") or "").partition(" ")
        return token if scheme.lower() == "bearer" else None


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with Cluster() as server:
        yield server


def _ca_file(cluster: Cluster, tmp_path: Path) -> str:
    assert cluster.tls is not None
    path = tmp_path / "ca.pem"
    path.write_bytes(cluster.tls.ca_pem)
    return str(path)


@pytest.mark.parametrize(
    "spelling",
    [
        "https://localhost:{port}",
        "HTTPS://LOCALHOST:{port}",
        "https://LocalHost:{port}",
        "https://localhost:0{port}",
        "hTTps://localhost:00{port}",
    ],
)
def test_the_same_origin_spelled_differently_goes_through_the_pinned_adapter(
    cluster: Cluster, provider: TokenProvider, spelling: str
) -> None:
    assert cluster.tls is not None
    session = cluster_session(provider, f"https://localhost:{cluster.port}", cluster.tls.ca_pem)
    # Only the pinned adapter trusts the test CA: success means it carried the request.
    response = session.get(spelling.format(port=cluster.port) + "/api", timeout=10)
    assert response.status_code == 200
    assert cluster.bearer("/api") == provider.token().value


def test_every_path_of_the_origin_is_pinned_not_only_the_servers(
    cluster: Cluster, provider: TokenProvider
) -> None:
    assert cluster.tls is not None
    server = f"https://localhost:{cluster.port}/k8s/clusters/c-1"
    session = cluster_session(provider, server, cluster.tls.ca_pem)
    response = session.get(f"https://localhost:{cluster.port}/version", timeout=10)
    assert response.status_code == 200
    assert cluster.bearer("/version") == provider.token().value


@pytest.mark.parametrize(
    "location",
    ["HTTPS://LOCALHOST:{port}/landing", "https://localhost:0{port}/landing"],
)
def test_a_redirect_that_would_leave_the_pinned_adapter_carries_no_token(
    cluster: Cluster,
    provider: TokenProvider,
    tmp_path: Path,
    location: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cluster.tls is not None
    cluster.location = location.format(port=cluster.port)
    session = cluster_session(provider, f"https://localhost:{cluster.port}", cluster.tls.ca_pem)
    # requests' default adapter can reach the server too: it trusts REQUESTS_CA_BUNDLE.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", _ca_file(cluster, tmp_path))
    response = session.get(f"https://localhost:{cluster.port}/hop", timeout=10)
    assert response.status_code == 200
    assert cluster.bearer("/hop") == provider.token().value
    used = session.get_adapter(cluster.location)
    pinned = session.get_adapter(f"https://localhost:{cluster.port}/")
    if used is not pinned:
        assert cluster.bearer("/landing") is None
    else:
        assert cluster.bearer("/landing") == provider.token().value


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("https://cluster.example", "https://cluster.example:443/api"),
        ("https://cluster.example:443", "https://cluster.example/api"),
        ("https://cluster.example:443/", "HTTPS://CLUSTER.EXAMPLE:0443/api"),
        ("HTTPS://Cluster.Example", "https://cluster.example:443/api"),
        ("https://[::1]", "https://[::1]:443/api"),
    ],
)
def test_default_ports_are_one_origin(provider: TokenProvider, server: str, url: str) -> None:
    """Without a network: the request is prepared for the pinned adapter, with the token."""
    session = cluster_session(provider, server, _self_signed_pem())
    prepared = session.prepare_request(requests.Request("GET", url))
    (pinned,) = (a for p, a in session.adapters.items() if p not in ("https://", "http://"))
    assert session.get_adapter(prepared.url or "") is pinned
    assert prepared.headers["Authorization"] == "Bearer " + provider.token().value


@pytest.mark.parametrize(
    "url",
    [
        "http://cluster.example/api",
        "https://cluster.example:8443/api",
        "https://other.example/api",
        "https://cluster.example.evil/api",
        "https://cluster.example:99999/api",
    ],
)
def test_other_origins_get_no_token(provider: TokenProvider, url: str) -> None:
    session = cluster_session(provider, "https://cluster.example", _self_signed_pem())
    try:
        prepared = session.prepare_request(requests.Request("GET", url))
    except (ValueError, requests.RequestException):
        assert ":99999/" in url  # only the invalid port is not even a request
        return
    assert "Authorization" not in prepared.headers


def _self_signed_pem() -> bytes:
    return Tls().ca_pem
