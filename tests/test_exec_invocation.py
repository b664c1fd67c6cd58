"""What an exec entry runs: the EKS token tools' arguments, read without guessing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eks_token.kubeconfig.exec_args import ExecInvocation, parse_exec_invocation
from eks_token.kubeconfig.files import load_context
from eks_token.kubeconfig.model import ExecEntry


def invocation(command: str, *args: str, **env: str) -> ExecInvocation | None:
    return parse_exec_invocation(
        ExecEntry(command=command, args=list(args), env=env, api_version="v-test")
    )


def test_heptio_entry_of_old_guides() -> None:
    found = invocation("heptio-authenticator-aws", "token", "-i", "prod", AWS_PROFILE="ops")
    assert found is not None
    assert (found.tool, found.cluster_id, found.profile, found.form) == (
        "heptio-authenticator-aws",
        "prod",
        "ops",
        "token",
    )
    assert found.unknown_args == []
    assert found.api_version == "v-test"
    assert found.to_eks_token_args() == ["token", "-i", "prod"]


def test_authenticator_with_all_token_flags() -> None:
    found = invocation(
        "/usr/local/bin/aws-iam-authenticator",
        "token",
        "--cluster-id=prod",
        "-r",
        "arn:aws:iam::111122223333:role/admin",
        "--region",
        "eu-west-1",
        "-e",
        "ext",
        "-s",
        "me",
    )
    assert found is not None
    assert found.tool == "aws-iam-authenticator"
    assert found.to_eks_token_args() == [
        "token",
        "-i",
        "prod",
        "--region",
        "eu-west-1",
        "-r",
        "arn:aws:iam::111122223333:role/admin",
        "-e",
        "ext",
        "-s",
        "me",
    ]


def test_authenticator_windows_path_forward_session_name_and_env() -> None:
    found = invocation(
        r"C:\tools\aws-iam-authenticator.exe",
        "token",
        "--forward-session-name",
        KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID="envcluster",
        DEFAULT_ROLE="arn:aws:iam::111122223333:role/r",
    )
    assert found is not None
    assert found.cluster_id == "envcluster"
    assert found.role_arn == "arn:aws:iam::111122223333:role/r"
    assert found.forward_session_name is True


def test_authenticator_unknown_arguments_are_kept_not_guessed() -> None:
    found = invocation("aws-iam-authenticator", "token", "-i", "c", "--token-only", "-c", "f")
    assert found is not None
    assert found.unknown_args == ["--token-only", "-c", "f"]
    missing = invocation("aws-iam-authenticator", "verify", "-i", "c")
    assert missing is not None
    assert missing.unknown_args[0] == "(no 'token' command)"


def test_aws_cli_entry_written_by_update_kubeconfig() -> None:
    found = invocation(
        "aws",
        "--region",
        "us-west-2",
        "eks",
        "get-token",
        "--cluster-name",
        "prod",
        "--output",
        "json",
        AWS_PROFILE="dev",
    )
    assert found is not None
    assert (found.tool, found.form, found.region, found.cluster_id, found.profile) == (
        "aws",
        "get-token",
        "us-west-2",
        "prod",
        "dev",
    )
    assert found.profile_in_args is False
    assert found.unknown_args == []
    assert found.to_eks_token_args() == [
        "get-token",
        "--cluster-name",
        "prod",
        "--region",
        "us-west-2",
    ]


def test_aws_cli_with_global_profile_role_and_outposts_cluster_id() -> None:
    found = invocation(
        "aws.exe",
        "--profile=ops",
        "eks",
        "get-token",
        "--cluster-id",
        "0123abcd-4567",
        "--role-arn",
        "arn:aws:iam::111122223333:role/r",
    )
    assert found is not None
    assert found.cluster_id == "0123abcd-4567"
    assert found.profile == "ops"
    assert found.to_eks_token_args() == [
        "get-token",
        "--cluster-name",
        "0123abcd-4567",
        "--role-arn",
        "arn:aws:iam::111122223333:role/r",
        "--profile",
        "ops",
    ]


def test_aws_cli_other_commands_or_options_are_unknown() -> None:
    other = invocation("aws", "sts", "get-caller-identity")
    assert other is not None
    assert other.unknown_args
    endpoint = invocation(
        "aws", "eks", "get-token", "--cluster-name", "c", "--endpoint-url", "https://x"
    )
    assert endpoint is not None
    assert endpoint.unknown_args == ["--endpoint-url", "https://x"]


@pytest.mark.parametrize(
    ("command", "args", "converted"),
    [
        # AWS CLI global options that cannot change the token: understood (kubectl runs such
        # entries fine) and dropped on migration
        (
            "aws",
            ["--debug", "eks", "get-token", "--cluster-name", "c", "--no-verify-ssl"],
            ["get-token", "--cluster-name", "c"],
        ),
        (
            "aws",
            ["eks", "get-token", "--cluster-name", "c", "--cli-read-timeout", "5"],
            ["get-token", "--cluster-name", "c"],
        ),
        (
            "aws",
            ["eks", "get-token", "--cli-connect-timeout=5", "--cluster-name", "c"],
            ["get-token", "--cluster-name", "c"],
        ),
        # eks-token get-token takes them too (its entries keep their arguments)
        (
            "eks-token",
            ["--debug", "get-token", "--cluster-name", "c", "--ca-bundle", "/ca.pem"],
            None,
        ),
        (
            "eks-token",
            ["get-token", "--cluster-name", "c", "--no-cli-pager", "--color", "off"],
            None,
        ),
    ],
)
def test_aws_cli_global_options_are_understood(
    command: str, args: list[str], converted: list[str] | None
) -> None:
    found = invocation(command, *args)
    assert found is not None
    assert found.unknown_args == []
    assert (found.form, found.cluster_id) == ("get-token", "c")
    if converted is not None:
        assert found.to_eks_token_args() == converted


def test_eks_token_token_does_not_take_aws_cli_global_options() -> None:
    found = invocation("eks-token", "token", "-i", "c", "--debug")
    assert found is not None
    assert found.unknown_args == ["--debug"]


def test_eks_token_entries_both_forms() -> None:
    token = invocation("eks-token", "token", "-i", "c", "--region", "r", "-v")
    assert token is not None
    assert token.unknown_args == []
    assert (token.form, token.cluster_id, token.region) == ("token", "c", "r")
    get = invocation("eks-token", "--region", "r", "get-token", "--cluster-name", "c")
    assert get is not None
    assert (get.form, get.cluster_id, get.region) == ("get-token", "c", "r")
    shared = invocation("eks-token", "token")
    assert shared is not None
    assert shared.cluster_id is None
    assert shared.to_eks_token_args() == ["token"]


@pytest.mark.parametrize(
    ("command", "args", "converted"),
    [
        ("eks-token", ["token", "-i", "c", "--no-cache"], ["token", "-i", "c", "--no-cache"]),
        ("eks-token", ["token", "-i", "c", "--cache"], ["token", "-i", "c"]),
        (
            "eks-token",
            ["get-token", "--no-cache", "--cluster-name", "c"],
            ["get-token", "--cluster-name", "c", "--no-cache"],
        ),
        (
            "eks-token",
            ["--cache", "get-token", "--cluster-name", "c"],
            ["get-token", "--cluster-name", "c"],
        ),
        ("aws-iam-authenticator", ["token", "-i", "c", "--cache"], ["token", "-i", "c"]),
        ("heptio-authenticator-aws", ["token", "--cache", "-i", "c"], ["token", "-i", "c"]),
    ],
)
def test_the_cache_flags_are_understood(
    command: str, args: list[str], converted: list[str]
) -> None:
    found = invocation(command, *args)
    assert found is not None
    assert found.unknown_args == []
    assert found.cluster_id == "c"
    assert found.no_cache is ("--no-cache" in args)
    assert found.to_eks_token_args() == converted


def test_no_cache_is_eks_tokens_flag_only() -> None:
    found = invocation("aws-iam-authenticator", "token", "-i", "c", "--no-cache")
    assert found is not None
    assert found.unknown_args == ["--no-cache"]


def test_the_in_process_loader_takes_an_eks_token_entry_with_no_cache(tmp_path: Path) -> None:
    from eks_token.inprocess.context_token import request_for_context

    entry = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "eks-token",
        "args": ["token", "-i", "prod", "--no-cache"],
    }
    path = tmp_path / "kc"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "a", "cluster": {"server": "https://a.example"}}],
                "users": [{"name": "a", "user": {"exec": entry}}],
                "contexts": [{"name": "a", "context": {"cluster": "a", "user": "a"}}],
                "current-context": "a",
            }
        )
    )
    found, request = request_for_context(load_context(kubeconfig=str(path), environ={}), {})
    assert (request.cluster_id, found.no_cache, found.unknown_args) == ("prod", True, [])


@pytest.mark.parametrize("command", ["kubectl", "gke-gcloud-auth-plugin", "aws-iam-authenticator2"])
def test_other_commands_are_not_recognised(command: str) -> None:
    assert invocation(command, "token", "-i", "c") is None
