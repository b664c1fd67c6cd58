"""The exception tree: drawn at the top of the errors module as it is, with its branches and
the ``retryable`` flag judged from real answers."""

from __future__ import annotations

import builtins
import inspect
import re
from datetime import timedelta
from pathlib import Path

import pytest

import eks_token
from eks_token import errors
from eks_token.cluster.kube_api import KubeApi
from eks_token.cluster.verifier import TokenVerifier
from tests.cluster_side_helpers import CLUSTER, SIGNED_AT, closed_port, make_token
from tests.credential_sources import add_profile, process_command, process_script
from tests.support.aws_env import AwsEnv
from tests.support.local_server import LocalServer, RecordedRequest, Response
from tests.support.sts_standin import StsStandin

NOW = SIGNED_AT + timedelta(minutes=2)
DRAWN_LINE = re.compile(r"^(?P<indent>[ |+-]*?)(?P<name>[A-Z]\w+)(?:\s+\((?P<note>[^)]*)\))?$")


def _drawing(doc: str) -> list[str]:
    """The lines of the drawn tree: the indented block after the docstring's ``::``."""
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    return [line[4:] for line in block.splitlines()]


def _drawn_tree(doc: str) -> list[tuple[str, str | None, list[str]]]:
    """(class, drawn parent, names of the other bases in its note) in drawing order."""
    parents: list[str] = []
    found = []
    for line in _drawing(doc):
        match = DRAWN_LINE.match(line)
        assert match is not None, f"not a line of the tree: {line!r}"
        depth, rest = divmod(len(match.group("indent")), 4)
        assert rest == 0, f"misaligned: {line!r}"
        del parents[depth:]
        assert len(parents) == depth, f"no parent drawn for {line!r}"
        note = match.group("note") or ""
        extra = re.findall(r"also an? (\w+)", note)
        found.append((match.group("name"), parents[-1] if parents else None, extra))
        parents.append(match.group("name"))
    return found


def _defined_classes() -> list[str]:
    return [
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and value.__module__ == errors.__name__
    ]


def _assert_drawn_as_defined(doc: str) -> None:
    drawn = _drawn_tree(doc)
    assert drawn[0] == ("EksTokenError", None, [])
    assert [name for name, _, _ in drawn] == _defined_classes(), "drawn in definition order"
    assert sorted(name for name, _, _ in drawn) == sorted(errors.__all__)
    for name, parent, extra in drawn:
        cls = getattr(errors, name)
        if parent is None:
            assert cls.__bases__ == (Exception,)
            continue
        expected = (getattr(errors, parent), *(getattr(builtins, base) for base in extra))
        assert cls.__bases__ == expected, f"{name} is drawn under {parent} {extra}"


def test_the_drawn_tree_is_the_class_hierarchy() -> None:
    _assert_drawn_as_defined(errors.__doc__ or "")


@pytest.mark.parametrize(
    ("line", "lie"),
    [
        ("    |   +-- RoleAssumptionError", "    +-- RoleAssumptionError"),  # another branch
        (
            "    |   +-- UsageError\n    |   +-- ExecInfoError",
            "    |   +-- ExecInfoError\n    |   +-- UsageError",
        ),  # not the definition order
        ("InvalidInputError  (also a ValueError)", "InvalidInputError"),  # a base left out
    ],
)
def test_a_drawing_that_lies_is_caught(line: str, lie: str) -> None:
    doc = errors.__doc__ or ""
    assert line in doc
    with pytest.raises(AssertionError):
        _assert_drawn_as_defined(doc.replace(line, lie))


def test_the_three_bases() -> None:
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.RoleAssumptionError, errors.CredentialsError)
    for failure in (errors.StsError, errors.EksApiError, errors.ClusterError):
        assert issubclass(failure, errors.ServiceError)
    for name in ("InvalidInputError", "CredentialsError", "ServiceError", "EksTokenError"):
        assert getattr(eks_token, name) is getattr(errors, name)


def test_bad_input_is_caught_as_a_value_error() -> None:
    with pytest.raises(ValueError, match="cluster") as caught:
        TokenVerifier(" ")
    assert isinstance(caught.value, eks_token.InvalidInputError)


class PortalSts(LocalServer):
    """A captive portal in STS's place: every request gets its login page."""

    def respond(self, request: RecordedRequest) -> Response:
        page = b"<html><head><title>Guest Wi-Fi</title></head><body>Log in</body></html>"
        return Response(200, page, [("Content-Type", "text/html")])


def test_a_role_that_cannot_be_assumed_is_a_credentials_error(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = "arn:aws:iam::123456789012:role/eks-admins"
    with PortalSts() as portal:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", portal.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        with pytest.raises(eks_token.CredentialsError) as caught:
            eks_token.get_token("prod", role_arn=role, now=NOW)
    assert isinstance(caught.value, errors.RoleAssumptionError)
    assert "AssumeRole" in str(caught.value)


@pytest.fixture
def standin(sts_standin: StsStandin) -> StsStandin:
    sts_standin.freeze(NOW)
    return sts_standin


def test_sts_throttling_is_retryable_and_a_rejection_is_not(standin: StsStandin) -> None:
    verifier = TokenVerifier(CLUSTER, sts_endpoint_url=standin.url)
    standin.throttle = True
    with pytest.raises(eks_token.ServiceError) as throttled:
        verifier.verify(make_token(), now=NOW)
    assert isinstance(throttled.value, errors.StsThrottledError)
    assert throttled.value.retryable is True
    standin.throttle = False
    standin.freeze(SIGNED_AT + timedelta(minutes=30))  # STS's clock: the token has expired
    with pytest.raises(eks_token.ServiceError) as rejected:
        verifier.verify(make_token(), now=NOW)
    assert isinstance(rejected.value, eks_token.StsRejectedError)
    assert (rejected.value.status, rejected.value.retryable) == (403, False)


def test_unreachable_sts_is_retryable() -> None:
    verifier = TokenVerifier(CLUSTER, sts_endpoint_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(errors.StsUnreachableError) as caught:
        verifier.verify(make_token(), now=NOW)
    assert caught.value.retryable is True


class StatusServer(LocalServer):
    """Plain HTTP; answers every request with ``status`` and an AWS-style error body."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status

    def respond(self, request: RecordedRequest) -> Response:
        body = {"Error": {"Code": "InternalFailure", "Message": "try later"}}
        return Response.json(self.status, body)


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (500, True), (400, False)])
def test_sts_failing_on_its_side_is_retryable(status: int, retryable: bool) -> None:
    with StatusServer(status) as server:
        verifier = TokenVerifier(CLUSTER, sts_endpoint_url=server.url)
        with pytest.raises(errors.StsError) as caught:
            verifier.verify(make_token(), now=NOW)
    assert caught.value.status == status
    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    ("status", "retryable"), [(503, True), (429, True), (404, False), (403, False)]
)
def test_api_server_statuses(status: int, retryable: bool) -> None:
    with (
        StatusServer(status) as server,
        KubeApi(server.url, make_token()) as api,
        pytest.raises(eks_token.ServiceError) as caught,
    ):
        api.whoami()
    assert isinstance(caught.value, eks_token.ClusterError)
    assert caught.value.retryable is retryable


def test_an_unreachable_api_server_is_retryable() -> None:
    api = KubeApi(f"https://127.0.0.1:{closed_port()}", make_token(), timeout=5)
    with api, pytest.raises(errors.ApiUnreachableError) as caught:
        api.whoami()
    assert caught.value.retryable is True


def test_the_retry_rule() -> None:
    assert errors.retry_later(status=502)
    assert errors.retry_later(status=429)
    assert errors.retry_later(code="ThrottlingException")
    assert not errors.retry_later(status=403, code="AccessDeniedException")
    assert not errors.retry_later()
    assert errors.EksApiError("x", action="eks:ListAccessEntries", code="Throttling").retryable
    denied = errors.EksApiError("x", action="eks:ListAccessEntries", code="AccessDenied")
    assert not denied.retryable


class EksStandin(LocalServer):
    """Plain HTTP in the EKS API's place: every call gets ``status`` and AWS's error shape."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__()
        self.status, self.code = status, code

    def respond(self, request: RecordedRequest) -> Response:
        body = {"message": "not now"}
        return Response.json(self.status, body, ("x-amzn-ErrorType", f"{self.code}:http://x/"))


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (503, "ServiceUnavailableException", True),
        (429, "TooManyRequestsException", True),
        (400, "ThrottlingException", True),
        (404, "ResourceNotFoundException", False),
        (403, "AccessDeniedException", False),
    ],
)
def test_describe_cluster_failures(
    status: int, code: str, retryable: bool, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with EksStandin(status, code) as eks:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", eks.url)
        with pytest.raises(eks_token.ServiceError) as caught:
            eks_token.describe_cluster("my-cluster", region="us-west-2")
        assert eks.recorded
    assert isinstance(caught.value, eks_token.ClusterError)
    assert caught.value.retryable is retryable


def test_describe_cluster_unreachable(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(eks_token.ClusterError) as caught:
        eks_token.describe_cluster("my-cluster", region="us-west-2")
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (503, "ServiceUnavailableException", True),
        (500, "ServerException", True),
        (400, "ThrottlingException", True),
        (403, "AccessDeniedException", False),
        (400, "InvalidParameterException", False),
    ],
)
def test_access_entry_call_failures(
    status: int, code: str, retryable: bool, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_token.aws.access_entries import EksAccessApi

    with EksStandin(status, code) as eks:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", eks.url)
        api = EksAccessApi.connect("my-cluster", region="us-west-2")
        with pytest.raises(eks_token.ServiceError) as caught:
            api.principal_arns()
    assert isinstance(caught.value, errors.EksApiError)
    assert (caught.value.code, caught.value.retryable) == (code, retryable)


def test_access_entries_unreachable(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from eks_token.aws.access_entries import EksAccessApi

    monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", f"http://127.0.0.1:{closed_port()}")
    api = EksAccessApi.connect("my-cluster", region="us-west-2")
    with pytest.raises(errors.EksApiError) as caught:
        api.principal_arns()
    assert caught.value.retryable is True


def test_our_own_bad_input_is_not_read_as_a_credential_process_failure(
    aws_env: AwsEnv, tmp_path: Path
) -> None:
    """An InvalidInputError met while botocore resolves credentials is raised as it is: being
    a ValueError too, it must not pass for a credential_process that printed bad JSON."""
    import botocore.session

    from eks_token.aws.failures import credentials_failure

    add_profile(aws_env, "p", credential_process=process_command(process_script(tmp_path)))
    session = botocore.session.Session(profile="p")
    ours = errors.InvalidInputError("not a region: 'moon-1'", option="region")
    assert credentials_failure(ours, session=session) is None
    theirs = credentials_failure(ValueError("Expecting value"), session=session)
    assert isinstance(theirs, eks_token.CredentialsError)
    assert "printed JSON that is not credential_process output" in str(theirs)
