"""The doctor's chain against the local STS stand-in and HTTPS API server: one failure each."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import trustme

from eks_token.doctor.report import CHECK_NAMES
from eks_token.kubeconfig.files import load_context
from tests.cluster_side_helpers import (
    ADMIN_SESSION,
    CLUSTER,
    EXEC_ENTRY,
    SIGNED_AT,
    closed_port,
    make_token,
    url_of,
    write_shared_user_kubeconfig,
)
from tests.doctor_helpers import doctor, failed, fixed_token_plugin
from tests.support import kube
from tests.support.api_server import ApiServer, KubeUser, Rule
from tests.support.aws_env import AwsEnv
from tests.support.cli import BIN_DIR
from tests.support.sts_standin import ADMIN_ROLE_SESSION, StsStandin

NOW = SIGNED_AT
pytestmark = pytest.mark.usefixtures("eks_token_on_path")


@pytest.fixture
def standin(sts_standin: StsStandin) -> StsStandin:
    """STS on the real clock: the plugin (a child process) signs at the real time."""
    return sts_standin


@pytest.fixture
def allowed_server() -> Iterator[ApiServer]:
    with ApiServer(rules=[Rule("get", "pods", namespace="default")]) as server:
        yield server


def kubeconfig_for(tmp_path: Path, server_url: str, ca_data: str) -> Path:
    return kube.write_kubeconfig(tmp_path / "kubeconfig", server_url, ca_data, EXEC_ENTRY)


def test_every_link_holds(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    config = kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data)
    report = doctor(config, standin)
    assert report.ok, report.render()
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    by_name = {c.name: c for c in report.checks}
    assert by_name["exec-entry"].details["executable"] == str(BIN_DIR / "eks-token")
    assert by_name["in-process"].details["source"] == "env"
    assert by_name["in-process"].details["differences"] == []
    assert by_name["caller-identity"].summary == "arn:aws:iam::111122223333:user/alice"
    assert by_name["authentication"].details["username"] == "alice"
    assert report.render().splitlines()[-2:] == [
        "all checks passed",
        "next: nothing: kubectl authenticates with this context",
    ]
    # the token went to the stand-in for the real host, and to the API server as a bearer token
    assert standin.recorded[0].header("host") == "sts.us-west-2.amazonaws.com"
    assert all(r.token for r in allowed_server.recorded[1:])


def test_unmapped_identity_lists_the_likely_causes(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin
) -> None:
    with ApiServer(users={}, now=lambda: NOW) as server:
        report = doctor(kubeconfig_for(tmp_path, server.url, server.ca_data), standin)
    assert failed(report) == "authentication"
    causes = report.checks[-1].causes
    assert "not mapped" in causes[0]
    assert "create-access-entry" in causes[0]
    assert "wrong cluster id" in causes[1]
    assert "region or partition" in causes[2]
    assert "expired credentials" in causes[3]
    assert report.not_run == ("authorization",)
    assert report.render().splitlines()[-1] == f"next: {report.checks[-1].fix}"


def test_rbac_denial(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, api_server: ApiServer
) -> None:
    report = doctor(kubeconfig_for(tmp_path, api_server.url, api_server.ca_data), standin)
    assert failed(report) == "authorization"
    check = report.checks[-1]
    assert "RBAC says no" in check.summary
    assert "alice" in check.summary
    assert check.fix
    assert "rolebinding" in check.fix


def test_wrong_ca(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    other = trustme.CA()

    ca_data = base64.b64encode(other.cert_pem.bytes()).decode()
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, ca_data), standin)
    assert failed(report) == "endpoint"
    assert "certificate authority" in report.checks[-1].summary
    assert allowed_server.recorded == []


def test_unreachable_endpoint(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    url = f"https://127.0.0.1:{closed_port()}"
    report = doctor(kubeconfig_for(tmp_path, url, allowed_server.ca_data), standin)
    assert failed(report) == "endpoint"
    assert "cannot be reached" in report.checks[-1].summary


def test_skewed_clock(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    standin.freeze(NOW)
    standin.date_offset = timedelta(minutes=20)
    fixed_token_plugin(tmp_path / "bin", make_token(when=NOW))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    config = kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data)
    report = doctor(config, standin, now=NOW)
    assert failed(report) == "clock"
    assert "20m00s behind STS" in report.checks[-1].summary
    assert report.checks[-1].details["skew_seconds"] == -1200


def test_no_credentials(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data), standin)
    assert failed(report) == "plugin"
    check = report.checks[-1]
    assert check.summary == "eks-token failed with exit code 1"
    assert any("no AWS credentials" in cause for cause in check.causes)
    assert check.fix
    assert "aws sso login" in check.fix
    assert report.render().splitlines()[-1] == f"next: {check.fix}"
    assert standin.recorded == []


def test_credentials_sts_rejects(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data), standin)
    assert failed(report) == "caller-identity"
    assert "SignatureDoesNotMatch" in report.checks[-1].summary
    assert "wrong-secret" not in report.render()


def test_exec_entry_that_is_not_a_token_tool(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, standin: StsStandin
) -> None:
    entry = {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gcloud"}
    config = kube.write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:1", "", entry)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    report = doctor(config, standin)
    assert failed(report) == "exec-entry"
    assert "executable gcloud not found on PATH" in report.checks[-1].summary
    fixed_token_plugin(tmp_path / "bin", "not-a-token", name="gcloud")
    report = doctor(config, standin)
    assert failed(report) == "exec-entry"
    assert "not an EKS token tool" in report.checks[-1].summary


def test_missing_kubeconfig(aws_env: AwsEnv, tmp_path: Path, standin: StsStandin) -> None:
    report = doctor(tmp_path / "nope", standin)
    assert failed(report) == "kubeconfig"
    as_json = report.to_dict()
    assert as_json["not_run"] == list(CHECK_NAMES[1:])
    assert (as_json["version"], as_json["ok"], as_json["failed"]) == (1, False, "kubeconfig")


def test_the_shared_user_layout(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    config = write_shared_user_kubeconfig(
        tmp_path / "kubeconfig", allowed_server.url, allowed_server.ca_data, region="eu-west-1"
    )
    report = doctor(config, standin)
    assert report.ok, report.render()
    details = report.checks[1].details
    assert (details["cluster_id"], details["region"]) == ("my-cluster", "eu-west-1")
    assert standin.recorded[0].header("host") == "sts.eu-west-1.amazonaws.com"
    assert standin.recorded[0].header("x-k8s-aws-id") == "my-cluster"


def test_the_shared_user_layout_needs_provide_cluster_info(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    config = write_shared_user_kubeconfig(
        tmp_path / "kubeconfig",
        allowed_server.url,
        allowed_server.ca_data,
        provide_cluster_info=False,
    )
    report = doctor(config, standin)
    assert failed(report) == "exec-entry"
    assert "names no cluster id" in report.checks[-1].summary
    assert "provideClusterInfo: true" in (report.checks[-1].fix or "")


def test_the_entry_env_region_signs_for_that_region(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    from eks_token.inprocess.context_token import token_for_context

    monkeypatch.delenv("AWS_REGION")
    entry = {**EXEC_ENTRY, "env": [{"name": "AWS_DEFAULT_REGION", "value": "eu-west-1"}]}
    config = kube.write_kubeconfig(
        tmp_path / "kubeconfig", allowed_server.url, allowed_server.ca_data, entry
    )
    token = token_for_context(load_context(None, str(config)), now=NOW)
    assert url_of(token).startswith("https://sts.eu-west-1.amazonaws.com/?")
    report = doctor(config, standin)
    assert report.ok, report.render()
    assert standin.recorded[0].header("host") == "sts.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("local_clock", "direction"),
    [(timedelta(minutes=-30), "behind"), (timedelta(minutes=30), "ahead of")],
)
def test_a_clock_so_skewed_that_sts_rejects_the_token(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
    local_clock: timedelta,
    direction: str,
) -> None:
    # STS's clock (the stand-in's, and its Date header) is NOW; the plugin signs at ours.
    standin.freeze(NOW)
    here = NOW + local_clock
    bin_dir = tmp_path / "bin"
    fixed_token_plugin(bin_dir, make_token(when=here))
    monkeypatch.setenv("PATH", str(bin_dir))
    config = kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data)
    report = doctor(config, standin, now=here)
    assert [c.name for c in report.checks] == [
        "kubeconfig",
        "exec-entry",
        "plugin",
        "in-process",
        "token",
        "caller-identity",
        "clock",
    ]
    identity, clock = report.checks[-2:]
    assert not identity.ok
    assert "STS rejected the token" in identity.summary
    assert ("expired" if direction == "behind" else "not yet current") in identity.summary
    assert "clock" in identity.causes[0]
    assert not clock.ok
    assert clock.summary.startswith(f"this machine's clock is 30m00s {direction} STS")
    assert clock.details["skew_seconds"] == int(local_clock.total_seconds())
    assert "rejects the token's signing time" in clock.summary
    assert clock.fix
    assert "NTP" in clock.fix
    assert report.not_run == ("endpoint", "authentication", "authorization")
    assert "what to do: synchronise the system clock with NTP" in report.render()


def test_a_plugin_that_signs_differently_is_noted_and_kubectl_would_still_work(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
) -> None:
    # The plugin answers with an admin role session's token for eu-west-1; signed here, the
    # entry gives alice's keys in us-west-2. kubectl uses the plugin's token.
    now = datetime.now(timezone.utc)
    token = make_token(credentials=ADMIN_SESSION, region="eu-west-1", when=now)
    fixed_token_plugin(tmp_path / "bin", token)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    users = {"ASIAROLEEXAMPLE00001": KubeUser("admin", ("system:masters",))}
    keys = {"ASIAROLEEXAMPLE00001": ADMIN_ROLE_SESSION.secret_access_key}
    with ApiServer(users=users, keys=keys, rules=[Rule("*", "*")]) as server:
        report = doctor(kubeconfig_for(tmp_path, server.url, server.ca_data), standin, now=now)
    assert report.ok, report.render()
    second = next(c for c in report.checks if c.name == "in-process")
    assert second.ok
    assert second.notes == (
        "the plugin's token differs from one signed here: STS host: plugin "
        "'sts.eu-west-1.amazonaws.com', here 'sts.us-west-2.amazonaws.com'",
        "the plugin's token differs from one signed here: access key id: plugin "
        "'ASIAROLEEXAMPLE00001', here 'AKIAIOSFODNN7EXAMPLE'",
        "the plugin's token differs from one signed here: credential scope: plugin "
        "'eu-west-1/sts/aws4_request', here 'us-west-2/sts/aws4_request'",
        "the plugin's token differs from one signed here: session token present: plugin "
        "True, here False",
    )
    text = report.render() + json.dumps(report.to_dict())
    assert "note: the plugin's token differs" in text
    assert ADMIN_ROLE_SESSION.secret_access_key not in text
    assert ADMIN_SESSION.session_token is not None
    assert ADMIN_SESSION.session_token not in text
    assert token.removeprefix("k8s-aws-v1.")[:40] not in text


def test_the_json_report_is_stable_and_typed(
    aws_env: AwsEnv, tmp_path: Path, standin: StsStandin, allowed_server: ApiServer
) -> None:
    report = doctor(kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data), standin)
    document = json.loads(json.dumps(report.to_dict()))
    assert list(document) == ["version", "ok", "failed", "next_step", "checks", "not_run"]
    assert (document["version"], document["ok"], document["failed"]) == (1, True, None)
    assert [c["name"] for c in document["checks"]] == list(CHECK_NAMES)
    for check in document["checks"]:
        assert list(check) == ["name", "ok", "summary", "details", "fix", "likely_causes", "notes"]
    details = {c["name"]: c["details"] for c in document["checks"]}
    assert isinstance(details["plugin"]["seconds_left"], int)
    assert 0 < details["plugin"]["seconds_left"] <= 15 * 60
    assert isinstance(details["clock"]["skew_seconds"], int)
    assert isinstance(details["endpoint"]["status_without_token"], int)
    assert isinstance(details["token"]["length"], int)
    assert details["exec-entry"]["interactive"] is False


@pytest.mark.parametrize(
    ("endpoint_url", "session_token", "says", "not_says"),
    [
        # a token for an endpoint the cluster does not accept: nothing about long tokens
        ("http://127.0.0.1:9/", None, "AWS_ENDPOINT_URL_STS", "4096"),
        # a token made too long by its session token: nothing about endpoints
        (None, "T" * 4000, "4096", "AWS_ENDPOINT_URL_STS"),
    ],
)
def test_a_broken_token_gets_the_fix_for_the_rules_it_breaks(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
    endpoint_url: str | None,
    session_token: str | None,
    says: str,
    not_says: str,
) -> None:
    from eks_token.clock import utc_now
    from eks_token.core.credentials import AwsCredentials
    from eks_token.core.endpoints import resolve_sts_endpoint
    from eks_token.core.signing import sign_token

    credentials = AwsCredentials("ASIAIOSFODNN7EXAMPLE", "secret/key/for/the/test", session_token)
    endpoint = resolve_sts_endpoint("us-west-2", endpoint_url=endpoint_url)
    token = sign_token("my-cluster", credentials, endpoint, utc_now()).value
    fixed_token_plugin(tmp_path / "bin", token)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    config = kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data)
    report = doctor(config, standin)
    assert failed(report) == "token"
    fix = report.checks[-1].fix or ""
    assert says in fix
    assert not_says not in fix


def test_a_token_kept_from_a_time_the_clock_was_ahead_is_blamed_on_the_cache(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    standin: StsStandin,
    allowed_server: ApiServer,
) -> None:
    """This machine's clock agrees with STS; the plugin prints a token signed 20 minutes
    ahead, kept in eks-token's token cache from a time the clock was ahead (as a plugin
    that serves such entries would). The doctor names the cached token and the command that
    clears it, not the clock."""
    from eks_token import get_token
    from eks_token.cache.file_cache import FileTokenCache

    standin.freeze(NOW)
    kept = get_token(CLUSTER, now=NOW + timedelta(minutes=20), cache=FileTokenCache()).value
    bin_dir = tmp_path / "bin"
    fixed_token_plugin(bin_dir, kept)
    monkeypatch.setenv("PATH", str(bin_dir))
    config = kubeconfig_for(tmp_path, allowed_server.url, allowed_server.ca_data)
    report = doctor(config, standin, now=NOW)
    assert failed(report) == "token"
    check = report.checks[-1]
    assert check.summary.endswith(": future")
    assert "signed 20 minutes after this machine's time" in check.causes[0]
    cache_dir = aws_env.home / ".kube" / "cache" / "eks-token"
    assert f"the token is in eks-token's token cache ({cache_dir})" in check.causes[1]
    assert check.fix is not None
    assert "eks-token cache clear" in check.fix
    assert "synchronise" not in report.render()
    assert standin.recorded == []


def test_sts_calling_a_token_not_yet_current_while_the_clocks_agree_blames_a_kept_token() -> None:
    """STS's own words for a token signed ahead of its clock: when this machine's clock
    agrees with STS's, the token was kept from a time it was ahead, so the fix is to clear
    the cache that kept it, not to set the clock."""
    from eks_token.doctor.advice import sts_fix
    from eks_token.errors import StsRejectedError

    exc = StsRejectedError(
        "STS rejected the token (403 SignatureDoesNotMatch): Signature not yet current: "
        "20260115T124000Z is still later than 20260115T121500Z (20260115T120000Z + 15 min.)"
    )
    assert "eks-token cache clear" in sts_fix(exc, clock_agrees=True)
    assert "synchronise this machine's clock" in sts_fix(exc)
