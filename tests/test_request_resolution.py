"""One request resolver and one options value: the rules, the checks, and who uses them."""

from __future__ import annotations

import json

import pytest

from eks_token.cli._fast import parse_request
from eks_token.core.inputs import (
    validate_cluster_id,
    validate_region,
    validate_role_arn,
    validate_session_name,
)
from eks_token.core.options import SignerOptions
from eks_token.errors import ExecInfoError, InvalidInputError, UsageError
from eks_token.exec_plugin.exec_info import read_exec_info
from eks_token.exec_plugin.request import TokenRequest, resolve_token_request

ROLE = "arn:aws:iam::111122223333:role/deploy"
EXTENSION = json.dumps(
    {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {"cluster": {"config": {"cluster-id": "from-ext", "region": "eu-north-1"}}},
    }
)


@pytest.mark.parametrize(
    "region", ["us-west-2", "eu-central-1", "us-gov-west-1", "cn-north-1", "aws-global"]
)
def test_region_names_are_accepted(region: str) -> None:
    assert validate_region(region) == region


@pytest.mark.parametrize(
    "region",
    [
        "us-west-2\n",
        "us-west-\u0662",  # an Arabic-Indic digit two
        "US-WEST-2",
        "us-west-2a",
        "us-west",
        "uswest2",
        "us-west-123",
        " us-west-2",
        "us-wést-2",
        "",
    ],
)
def test_anything_else_is_not_a_region(region: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_region(region)
    assert caught.value.option == "region"


@pytest.mark.parametrize(
    "cluster_id", ["\b", "a b", "prod\n", "pr\u00f8d", "c\U0001f600", "", "  ", "a\x7f"]
)
def test_cluster_ids_are_printable_ascii(cluster_id: str) -> None:
    with pytest.raises(InvalidInputError):
        validate_cluster_id(cluster_id)


@pytest.mark.parametrize(
    "arn",
    [
        ROLE + "\n",
        "arn:aws:iam::11112222333:role/r",
        "arn:aws:iam::111122223333:user/r",
        "arn:aws:iam::111122223333:role/",
        "arn:nope:iam::111122223333:role/r",
        "arn:aws:iam::\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661:role/r",
        "arn:aws:iam::111122223333:role/r\u00e9",
    ],
)
def test_role_arns_are_checked_whole(arn: str) -> None:
    with pytest.raises(InvalidInputError):
        validate_role_arn(arn)
    assert validate_role_arn("arn:aws-cn:iam::111122223333:role/path/to/r+=,.@_-") is not None


@pytest.mark.parametrize("name", ["a", "x" * 65, "alice\n", "al ice", "al\u00efce"])
def test_session_names_are_checked_whole(name: str) -> None:
    with pytest.raises(InvalidInputError):
        validate_session_name(name)


def test_options_are_frozen_checked_and_comparable() -> None:
    options = SignerOptions(region="us-west-2", role_arn=ROLE, session_name="alice")
    with pytest.raises(AttributeError):
        options.region = "eu-west-1"
    assert options == SignerOptions(region="us-west-2", role_arn=ROLE, session_name="alice")
    assert hash(options) == hash(options.replace())
    assert options.replace(region="eu-west-1").region == "eu-west-1"
    assert SignerOptions(region="", profile="") == SignerOptions()
    with pytest.raises(InvalidInputError):
        options.replace(region="eu-west-1a")
    with pytest.raises(InvalidInputError):
        SignerOptions(session_name="alice")  # no role to assume
    with pytest.raises(InvalidInputError):
        SignerOptions(role_arn=ROLE, session_name="alice", forward_session_name=True)


@pytest.mark.parametrize(
    ("form", "given", "env", "expected"),
    [
        ("token", {"cluster_id": "c1"}, {}, ("c1", None, None)),
        (
            "token",
            {},
            {"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "c2", "DEFAULT_ROLE": ROLE},
            ("c2", None, ROLE),
        ),
        (
            "token",
            {"cluster_id": "c1"},
            {"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "c2"},
            ("c1", None, None),
        ),
        ("token", {}, {"KUBERNETES_EXEC_INFO": EXTENSION}, ("from-ext", "eu-north-1", None)),
        (
            "token",
            {"region": "us-east-2"},
            {"KUBERNETES_EXEC_INFO": EXTENSION},
            ("from-ext", "us-east-2", None),
        ),
        (
            "get-token",
            {"cluster_id": "c3"},
            {"KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID": "c2", "DEFAULT_ROLE": ROLE},
            ("c3", None, None),
        ),
        ("get-token", {}, {"KUBERNETES_EXEC_INFO": EXTENSION}, ("from-ext", "eu-north-1", None)),
    ],
)
def test_the_rules_every_entry_point_shares(
    form: str, given: dict[str, str], env: dict[str, str], expected: tuple[str, str, str]
) -> None:
    request = resolve_token_request(
        form,
        environ=env,
        exec_info=read_exec_info(env),
        cluster_id=given.get("cluster_id"),
        region=given.get("region"),
    )
    got = (request.cluster_id, request.options.region, request.options.role_arn)
    assert got == expected
    argv = {"token": "-i", "get-token": "--cluster-name"}[form]
    fast = parse_request(form, [argv, given["cluster_id"]] if "cluster_id" in given else [], env)
    region = ["--region", given["region"]] if "region" in given else []
    if region:
        fast = parse_request(form, region, env)
    assert fast is not None
    assert fast.request == request


@pytest.mark.parametrize(
    ("form", "ways"),
    [
        ("token", ("-i/--cluster-id", "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID", "cluster-id")),
        ("get-token", ("--cluster-name", "cluster-id")),
    ],
)
def test_a_missing_cluster_id_is_a_usage_error_naming_the_ways_to_give_one(
    form: str, ways: tuple[str, ...]
) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_token_request(form, environ={}, exec_info=None)
    assert caught.value.option == "cluster_id"
    for way in ways:
        assert way in str(caught.value)


def test_a_malformed_extension_is_an_exec_info_error() -> None:
    raw = json.dumps(
        {
            "apiVersion": "client.authentication.k8s.io/v1",
            "spec": {"interactive": False, "cluster": {"config": {"region": "us-west-2"}}},
        }
    )
    with pytest.raises(ExecInfoError):
        resolve_token_request(
            "token", environ={}, exec_info=read_exec_info({"KUBERNETES_EXEC_INFO": raw})
        )


def test_a_request_is_frozen_and_refuses_a_bad_cluster_id() -> None:
    request = TokenRequest("c1", SignerOptions())
    with pytest.raises(AttributeError):
        request.cluster_id = "c2"
    with pytest.raises(InvalidInputError):
        TokenRequest("\b", SignerOptions())
