from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.reference_token import presigned_url
from tests.support.sts_standin import (
    ACCOUNT,
    DEFAULT_IDENTITIES,
    EXAMPLE_ACCESS_KEY_ID,
    StsIdentity,
    StsStandin,
)

T = datetime(2026, 11, 28, 21, 19, 4, tzinfo=timezone.utc)
CLUSTER = "my-cluster"
JSON = {"Accept": "application/json"}


def url_for(key: str, *, cluster_id: str | None = CLUSTER, **options: Any) -> str:
    identity = DEFAULT_IDENTITIES[key]
    return presigned_url(
        cluster_id,
        when=T,
        access_key_id=key,
        secret_access_key=identity.secret_access_key,
        session_token=identity.session_token,
        **options,
    )


def call(
    standin: StsStandin, url: str, cluster_id: str | None = CLUSTER, **headers: str
) -> requests.Response:
    """Send a presigned URL to the stand-in as an authenticator would."""
    sent = {**JSON, **headers}
    if cluster_id is not None:
        sent["x-k8s-aws-id"] = cluster_id
    query = url.partition("?")[2]
    return requests.get(f"{standin.url}/?{query}", headers=sent, timeout=10, allow_redirects=False)


def error_of(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"Error", "RequestId"}
    assert set(body["Error"]) == {"Code", "Message", "Type"}
    assert body["Error"]["Type"] == "Sender"
    return body["Error"]  # type: ignore[no-any-return]


@pytest.fixture
def standin(sts_standin: StsStandin) -> StsStandin:
    sts_standin.freeze(T + timedelta(minutes=1))
    return sts_standin


@pytest.mark.parametrize("key", list(DEFAULT_IDENTITIES))
def test_each_identity_kind_is_answered(standin: StsStandin, key: str) -> None:
    identity: StsIdentity = DEFAULT_IDENTITIES[key]
    response = call(standin, url_for(key))
    assert response.status_code == 200, response.text
    result = response.json()["GetCallerIdentityResponse"]
    assert result["GetCallerIdentityResult"] == {
        "Account": ACCOUNT,
        "Arn": identity.arn,
        "UserId": identity.user_id,
    }
    assert result["ResponseMetadata"]["RequestId"]
    assert response.headers["Content-Type"] == "application/json"
    assert parsedate_to_datetime(response.headers["Date"]) == T + timedelta(minutes=1)
    (request,) = standin.recorded
    assert request.method == "GET"
    assert request.path == "/"
    assert request.header("x-k8s-aws-id") == CLUSTER
    assert "X-Amz-Signature=" in request.query
    assert standin.checks[-1].access_key_id == key


def test_identities_cover_user_role_federated_and_root() -> None:
    arns = {identity.arn for identity in DEFAULT_IDENTITIES.values()}
    assert arns == {
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@example.com",
        f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
        f"arn:aws:iam::{ACCOUNT}:root",
    }
    role = next(i for i in DEFAULT_IDENTITIES.values() if "assumed-role" in i.arn)
    assert role.user_id == "AROAEXAMPLEID:alice@example.com"


def test_host_header_naming_a_played_host_is_used(standin: StsStandin) -> None:
    url = url_for(EXAMPLE_ACCESS_KEY_ID, region="eu-west-1")
    assert call(standin, url, Host="sts.eu-west-1.amazonaws.com").status_code == 200
    response = call(standin, url, Host="sts.us-west-2.amazonaws.com")
    assert error_of(response)["Code"] == "SignatureDoesNotMatch"


def test_url_signed_for_the_standin_itself(standin: StsStandin) -> None:
    url = url_for(EXAMPLE_ACCESS_KEY_ID, endpoint_url=standin.url)
    assert url.startswith(standin.url + "/?")
    response = requests.get(url, headers={**JSON, "x-k8s-aws-id": CLUSTER}, timeout=10)
    assert response.status_code == 200


def test_xml_without_json_accept(standin: StsStandin) -> None:
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID), Accept="*/*")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml"
    assert "<Arn>arn:aws:iam::111122223333:user/alice</Arn>" in response.text


def test_bad_signature(standin: StsStandin) -> None:
    url = url_for(EXAMPLE_ACCESS_KEY_ID)
    flipped = url[:-1] + ("0" if url[-1] != "0" else "1")
    response = call(standin, flipped)
    assert response.status_code == 403
    assert error_of(response)["Code"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize("cluster_id", ["other-cluster", None])
def test_cluster_id_header_must_match_the_signed_one(
    standin: StsStandin, cluster_id: str | None
) -> None:
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID), cluster_id=cluster_id)
    assert response.status_code == 403
    assert error_of(response)["Code"] == "SignatureDoesNotMatch"


def test_like_sts_it_does_not_require_the_cluster_id_to_be_signed(standin: StsStandin) -> None:
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID, cluster_id=None), cluster_id=None)
    assert response.status_code == 200


def test_expired(standin: StsStandin) -> None:
    standin.freeze(T + timedelta(minutes=15, seconds=1))
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID))
    assert response.status_code == 403
    error = error_of(response)
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["Message"] == (
        "Signature expired: 20261128T211904Z is now earlier than 20261128T211905Z"
        " (20261128T213405Z - 15 min.)"
    )


def test_not_yet_current(standin: StsStandin) -> None:
    standin.freeze(T - timedelta(minutes=16))
    error = error_of(call(standin, url_for(EXAMPLE_ACCESS_KEY_ID)))
    assert error["Message"].startswith("Signature not yet current: 20261128T211904Z")


def test_throttling(standin: StsStandin) -> None:
    standin.throttle = True
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID))
    assert response.status_code == 400
    assert error_of(response)["Code"] == "Throttling"
    standin.throttle = False
    assert call(standin, url_for(EXAMPLE_ACCESS_KEY_ID)).status_code == 200


def test_unknown_key(standin: StsStandin) -> None:
    url = presigned_url(
        CLUSTER, when=T, access_key_id="AKIAUNKNOWNEXAMPLE00", secret_access_key="s"
    )
    response = call(standin, url)
    assert response.status_code == 403
    assert error_of(response)["Code"] == "InvalidClientTokenId"


def test_wrong_session_token(standin: StsStandin) -> None:
    key = next(k for k, i in DEFAULT_IDENTITIES.items() if i.session_token)
    url = url_for(key).replace("X-Amz-Security-Token=", "X-Amz-Security-Token=x")
    assert error_of(call(standin, url))["Code"] == "InvalidClientTokenId"


def test_xml_error_body(standin: StsStandin) -> None:
    standin.throttle = True
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID), Accept="*/*")
    assert "<Code>Throttling</Code>" in response.text


def test_date_header_can_be_skewed(standin: StsStandin) -> None:
    standin.date_offset = timedelta(minutes=-20)
    response = call(standin, url_for(EXAMPLE_ACCESS_KEY_ID))
    assert parsedate_to_datetime(response.headers["Date"]) == T - timedelta(minutes=19)


def test_https(tmp_path: Path) -> None:
    with StsStandin(https=True) as standin:
        standin.freeze(T)
        assert standin.url.startswith("https://127.0.0.1:")
        assert standin.tls is not None
        ca_file = tmp_path / "ca.pem"
        ca_file.write_bytes(standin.tls.ca_pem)
        query = url_for(EXAMPLE_ACCESS_KEY_ID).partition("?")[2]
        response = requests.get(
            f"{standin.url}/?{query}",
            headers={**JSON, "x-k8s-aws-id": CLUSTER},
            verify=str(ca_file),
            timeout=10,
        )
        assert response.status_code == 200
        assert standin.recorded[0].header("host") == standin.netloc


def test_stops_by_itself() -> None:
    with StsStandin() as standin:
        url = standin.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
