"""aws-auth mapping as the cluster does it: precedence, case, templates, paths, bad entries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from moto import mock_aws

from eks_token.aws.ec2 import Ec2PrivateDnsNames
from eks_token.cluster.aws_auth import (
    AwsAuth,
    fetch_aws_auth,
    load_aws_auth_file,
    map_identity,
    parse_aws_auth,
)
from eks_token.cluster.identity import Identity
from eks_token.cluster.kube_api import KubeApi
from eks_token.errors import MappingError, NotMappedError
from tests.cluster_side_helpers import SIGNED_AT, ConfigMapApiServer, make_token, write_aws_auth
from tests.support.aws_env import AwsEnv
from tests.support.moto_server import MotoServer

ACCOUNT = "111122223333"


def identity(arn: str, session: str | None = None, key: str = "ASIAEXAMPLEKEY") -> Identity:
    from eks_token.cluster.identity import parse_arn

    principal = parse_arn(arn)
    return Identity(
        arn=arn,
        canonical_arn=principal.canonical,
        account_id=principal.account_id,
        user_id="AROAEXAMPLE",
        session_name=session if session is not None else principal.session_name,
        access_key_id=key,
        sts_host="sts.us-west-2.amazonaws.com",
    )


ROLES = f"""
- rolearn: arn:aws:iam::{ACCOUNT}:role/Admin
  username: admin:{{{{SessionName}}}}
  groups: [system:masters]
- rolearn: arn:aws:iam::{ACCOUNT}:role/Shared
  username: from-roles
- rolearn: arn:aws:iam::{ACCOUNT}:role/team/Pathed
  username: pathed
- RoleArn: arn:aws:iam::{ACCOUNT}:role/CaseFields
  UserName: case-fields
  Groups: [g]
- rolearn: arn:aws:iam::{ACCOUNT}:role/Templates
  username: "{{{{AccountID}}}}/{{{{SessionName}}}}/{{{{SessionNameRaw}}}}/{{{{AccessKeyID}}}}"
  groups: ["acct-{{{{AccountID}}}}"]
- rolearn: arn:aws:iam::{ACCOUNT}:role/Dup
  username: first
- rolearn: arn:aws:iam::{ACCOUNT}:role/Dup
  username: last
"""
USERS = f"""
- userarn: arn:aws:iam::{ACCOUNT}:user/alice
  username: alice
  groups: [developers, viewers]
- userarn: arn:aws:iam::{ACCOUNT}:role/Shared
  username: from-users
"""
CONFIG = parse_aws_auth(
    {"data": {"mapRoles": ROLES, "mapUsers": USERS, "mapAccounts": '["444455556666"]'}}
)


@pytest.mark.parametrize(
    ("who", "username", "groups", "matched_by"),
    [
        (
            identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@example.com"),
            "admin:alice-example.com",
            ("system:masters",),
            "mapRoles",
        ),
        (
            identity(f"arn:aws:iam::{ACCOUNT}:user/alice"),
            "alice",
            ("developers", "viewers"),
            "mapUsers",
        ),
        (
            identity(f"arn:aws:iam::{ACCOUNT}:user/ALICE"),
            "alice",
            ("developers", "viewers"),
            "mapUsers",
        ),
        (
            identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/bob"),
            "admin:bob",
            ("system:masters",),
            "mapRoles",
        ),
        (identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Shared/s"), "from-roles", (), "mapRoles"),
        (
            identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/CaseFields/s"),
            "case-fields",
            ("g",),
            "mapRoles",
        ),
        (identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Dup/s"), "last", (), "mapRoles"),
        (
            identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Templates/a@b.c", key="ASIAKEY1"),
            f"{ACCOUNT}/a-b.c/a@b.c/ASIAKEY1",
            (f"acct-{ACCOUNT}",),
            "mapRoles",
        ),
        (
            identity("arn:aws:iam::444455556666:user/carol"),
            "arn:aws:iam::444455556666:user/carol",
            (),
            "mapAccounts",
        ),
    ],
)
def test_mapping_table(
    who: Identity, username: str, groups: tuple[str, ...], matched_by: str
) -> None:
    mapping = map_identity(CONFIG, who)
    assert (mapping.username, mapping.groups, mapping.matched_by) == (username, groups, matched_by)


def test_role_path_never_matches_an_assumed_role_and_is_warned_about() -> None:
    who = identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Pathed/s")
    with pytest.raises(NotMappedError, match="role path"):
        map_identity(CONFIG, who)
    assert any("team/Pathed" in w and "carry no path" in w for w in CONFIG.warnings)


def test_unmapped_identity_says_why() -> None:
    with pytest.raises(NotMappedError, match="not in mapAccounts"):
        map_identity(CONFIG, identity(f"arn:aws:iam::{ACCOUNT}:user/mallory"))


def test_session_name_template_without_a_session_is_empty() -> None:
    config = parse_aws_auth(
        {
            "data": {
                "mapUsers": f"- userarn: arn:aws:iam::{ACCOUNT}:user/u\n"
                "  username: u-{{SessionName}}"
            }
        }
    )
    assert map_identity(config, identity(f"arn:aws:iam::{ACCOUNT}:user/u")).username == "u-"


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        ({"mapRoles": "- username: x"}, "has no rolearn"),
        ({"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/R"}, "has no username"),
        ({"maproles": "- rolearn: x"}, "case-sensitive"),
        (
            {"mapUsers": "- userarn: arn:aws:sts::111122223333:assumed-role/R/s\n  username: x"},
            "can never match",
        ),
        ({"mapRoles": "- rolearn: not-an-arn\n  username: x"}, "not an IAM ARN"),
    ],
)
def test_malformed_and_never_matching_entries_are_warned_about(
    data: dict[str, str], warning: str
) -> None:
    config = parse_aws_auth({"data": data})
    assert any(warning in w for w in config.warnings), config.warnings


MALFORMED_KEYS = [
    ({"mapRoles": "- rolearn: [not, a, string]\n  username: x"}, "rolearn must be a string"),
    (
        {
            "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/R\n"
            "  groups: system:masters\n  username: x"
        },
        "groups must be a list of strings",
    ),
    (
        {
            "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a\n"
            "- rolearn: 5\n  username: b"
        },
        "mapRoles entry 2: rolearn",
    ),
    ({"mapRoles": "- just-a-string"}, "mapRoles entry 1 is not a mapping"),
    ({"mapRoles": "rolearn: x"}, "not a YAML list"),
    ({"mapRoles": "- [unclosed"}, "not valid YAML"),
    ({"mapRoles": "`backquoted`"}, "not valid YAML"),
    ({"mapRoles": "not a list"}, "not a YAML list"),
    ({"mapAccounts": "- [111122223333]"}, "mapAccounts entry 1 is not an account id"),
    ({"mapAccounts": "accounts: 1"}, "not a YAML list of account ids"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED_KEYS)
def test_a_malformed_key_is_ignored_and_the_others_still_map(
    data: dict[str, object], message: str
) -> None:
    # The authenticator parses each key on its own: a key that does not decode is ignored
    # (logged) and the other keys still map (protocol §7).
    (key,) = data
    config = parse_aws_auth({"data": {"mapUsers": USERS, "mapRoles": ROLES, **data}})
    assert [k for k, _ in config.ignored] == [key]
    assert any(message in reason for _, reason in config.ignored), config.ignored
    warning = next(w for w in config.warnings if w.startswith(f"{key} is malformed"))
    assert message in warning
    assert f"the cluster ignores {key} and still maps with the other keys" in warning
    assert "previous" in warning or "before" in warning
    if key == "mapRoles":
        assert config.roles == ()
    else:
        assert config.accounts == ()
    alice = map_identity(config, identity(f"arn:aws:iam::{ACCOUNT}:user/alice"))
    assert alice.username == "alice"


@pytest.mark.parametrize("bad", ["not a list", "`backquoted`", "- userarn: [x]\n  username: u"])
def test_a_malformed_map_users_leaves_map_roles_working(bad: str) -> None:
    config = parse_aws_auth({"data": {"mapRoles": ROLES, "mapUsers": bad}})
    mapping = map_identity(config, identity(f"arn:aws:iam::{ACCOUNT}:role/Shared"))
    assert (mapping.username, mapping.matched_by) == ("from-roles", "mapRoles")
    with pytest.raises(NotMappedError, match="mapUsers: malformed, so the cluster ignores it"):
        map_identity(config, identity(f"arn:aws:iam::{ACCOUNT}:user/alice"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mapRoles": ["- rolearn: x"]}, "data.mapRoles is a list, not a string"),
        ({"mapUsers": {"userarn": "x"}}, "data.mapUsers is a mapping"),
        ({"other": 5}, "data.other is a number"),
    ],
)
def test_a_data_value_that_is_not_a_string_refuses_the_whole_configmap(
    data: dict[str, object], message: str
) -> None:
    # The API server holds only string data values: such an object cannot exist.
    with pytest.raises(MappingError, match="refuses this aws-auth ConfigMap as a whole") as caught:
        parse_aws_auth({"data": {"mapUsers": USERS, **data}})
    assert message in str(caught.value)


def test_a_missing_arn_drops_only_its_entry() -> None:
    kept = parse_aws_auth(
        {
            "data": {
                "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a\n"
                "- username: b"
            }
        }
    )
    assert [e.username for e in kept.roles] == ["a"]


@pytest.mark.parametrize(
    ("written", "accounts"),
    [
        ('- "555555555555"', ("555555555555",)),
        ("- 555555555555", ("555555555555",)),  # unquoted: read as its text, as the Go server
        ("[555555555555, '111122223333']", ("555555555555", "111122223333")),
        ("- 012345678901", ("012345678901",)),  # a leading zero is kept, not read as octal
        ("", ()),
        ("[]", ()),
    ],
)
def test_map_accounts_are_read_as_text(written: str, accounts: tuple[str, ...]) -> None:
    config = parse_aws_auth({"data": {"mapAccounts": written}})
    assert config.accounts == accounts
    assert config.warnings == ()


def test_an_unquoted_account_id_maps_the_account() -> None:
    config = parse_aws_auth({"data": {"mapAccounts": "- 555555555555"}})
    who = identity("arn:aws:iam::555555555555:user/carol")
    mapping = map_identity(config, who)
    assert mapping.username == "arn:aws:iam::555555555555:user/carol"
    assert mapping.matched_by == "mapAccounts"


def test_empty_configmap_maps_nobody() -> None:
    assert parse_aws_auth({"data": {}}) == AwsAuth()
    with pytest.raises(NotMappedError):
        map_identity(AwsAuth(), identity(f"arn:aws:iam::{ACCOUNT}:user/alice"))


def test_load_file(tmp_path: Path) -> None:
    path = write_aws_auth(tmp_path / "aws-auth.yaml", {"mapUsers": USERS})
    config = load_aws_auth_file(path)
    assert [e.username for e in config.users] == ["alice", "from-users"]
    (tmp_path / "bad.yaml").write_text("kind: [")
    with pytest.raises(MappingError):
        load_aws_auth_file(tmp_path / "bad.yaml")
    with pytest.raises(MappingError):
        load_aws_auth_file(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(MappingError, match="not a ConfigMap"):
        load_aws_auth_file(tmp_path / "list.yaml")


def test_fetch_from_the_cluster() -> None:
    with (
        ConfigMapApiServer({"mapUsers": USERS}, now=lambda: SIGNED_AT) as server,
        KubeApi(server.url, make_token(), ca_data=server.ca_pem) as api,
    ):
        config = fetch_aws_auth(api)
    assert config.users[0].arn == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_fetch_when_the_cluster_has_no_aws_auth() -> None:
    with (
        ConfigMapApiServer(None, now=lambda: SIGNED_AT) as server,
        KubeApi(server.url, make_token(), ca_data=server.ca_pem) as api,
        pytest.raises(MappingError, match="no kube-system/aws-auth"),
    ):
        fetch_aws_auth(api)


NODE_ROLES = f"""
- rolearn: arn:aws:iam::{ACCOUNT}:role/Node
  username: system:node:{{{{EC2PrivateDNSName}}}}
  groups: [system:bootstrappers, system:nodes]
"""


def test_ec2_private_dns_name_through_describe_instances(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto's catalogue of Amazon's images is slow to load and not needed: any image id runs.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        import boto3

        ec2 = boto3.client("ec2", region_name="us-west-2")
        instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
        lookup = Ec2PrivateDnsNames("us-west-2")
        who = identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Node/{instance['InstanceId']}")
        mapping = map_identity(
            parse_aws_auth({"data": {"mapRoles": NODE_ROLES}}), who, private_dns_name=lookup
        )
        assert mapping.username == f"system:node:{instance['PrivateDnsName']}"
        assert mapping.groups == ("system:bootstrappers", "system:nodes")
        with pytest.raises(MappingError, match="DescribeInstances"):
            lookup("i-0123456789abcdef0")


def test_map_of_a_node_role_takes_the_region_from_aws_region(
    aws_env: AwsEnv, moto_server: MotoServer, tmp_path: Path
) -> None:
    # AWS_REGION, as every other command reads it (botocore alone reads only
    # AWS_DEFAULT_REGION and the profile).
    import boto3

    from tests.support.cli import run_cli

    ec2 = boto3.client("ec2", region_name=aws_env.region, endpoint_url=moto_server.url)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    path = write_aws_auth(tmp_path / "aws-auth.yaml", {"mapRoles": NODE_ROLES})
    node = f"arn:aws:sts::{ACCOUNT}:assumed-role/Node/{instance['InstanceId']}"
    env = {"AWS_ENDPOINT_URL_EC2": moto_server.url, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    assert "AWS_DEFAULT_REGION" not in os.environ
    result = run_cli("map", "--aws-auth", str(path), "--arn", node, extra_env=env)
    assert result.returncode == 0, result.stderr
    dns = instance["PrivateDnsName"]
    assert f'"username": "system:node:{dns}"' in result.stdout


def test_map_of_a_node_role_without_any_region_says_to_give_one(
    aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.cli import assert_clean_failure, run_cli

    monkeypatch.delenv("AWS_REGION")
    path = write_aws_auth(tmp_path / "aws-auth.yaml", {"mapRoles": NODE_ROLES})
    node = f"arn:aws:sts::{ACCOUNT}:assumed-role/Node/i-0123456789abcdef0"
    result = run_cli("map", "--aws-auth", str(path), "--arn", node)
    assert_clean_failure(result, status=1, mentions=("DescribeInstances", "--region"))
    assert "NoRegionError" not in result.stderr


def test_ec2_private_dns_name_needs_an_instance_id_session() -> None:
    config = parse_aws_auth({"data": {"mapRoles": NODE_ROLES}})
    who = identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Node/alice")
    with pytest.raises(MappingError, match="instance id"):
        map_identity(config, who, private_dns_name=lambda _: "never")


def test_federated_user_entries_match_and_are_not_warned_about() -> None:
    bob = f"arn:aws:sts::{ACCOUNT}:federated-user/bob"
    config = parse_aws_auth(
        {"data": {"mapUsers": f"- userarn: {bob}\n  username: bob\n  groups: [fed]"}}
    )
    assert config.warnings == ()
    mapping = map_identity(config, identity(bob))
    assert (mapping.username, mapping.groups, mapping.matched_by) == ("bob", ("fed",), "mapUsers")
    assert mapping.warnings == ()


@pytest.mark.parametrize(
    ("arn", "user_id", "expected"),
    [
        # IAM users, root and federated users: the whole UserId (a federated user's has a colon)
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "AIDAEXAMPLE", ("AIDAEXAMPLE", None)),
        (f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, (ACCOUNT, None)),
        (f"arn:aws:sts::{ACCOUNT}:federated-user/bob", f"{ACCOUNT}:bob", (f"{ACCOUNT}:bob", None)),
        # every other identity is <id>:<session>, split at the one colon
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/Dev/alice", "AROAEX:alice", ("AROAEX", "alice")),
        (f"arn:aws:iam::{ACCOUNT}:role/Dev", "AROAEX:alice", ("AROAEX", "alice")),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/Dev/a", "AROAEX:a:b", None),
        (f"arn:aws:iam::{ACCOUNT}:role/Dev", "AROAEX:a:b", None),
        (f"arn:aws:iam::{ACCOUNT}:role/Dev", "AROAEX", None),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/Dev/a", ":a", None),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/Dev/a", "AROAEX:", None),
    ],
)
def test_user_id_is_split_as_the_cluster_splits_it(
    arn: str, user_id: str, expected: tuple[str, str | None] | None
) -> None:
    from eks_token.cluster.identity import identity_from_caller
    from eks_token.errors import StsError

    def build() -> Identity:
        return identity_from_caller(
            arn=arn, account_id=ACCOUNT, user_id=user_id, access_key_id="ASIA", sts_host="sts"
        )

    if expected is None:
        with pytest.raises(StsError, match="malformed UserId"):
            build()
        return
    who = build()
    assert (who.user_id, who.session_name) == expected


def test_map_cli_reports_a_refused_configmap(tmp_path: Path) -> None:
    from tests.support.cli import assert_clean_failure, run_cli

    path = tmp_path / "aws-auth.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\n"
        "data:\n  mapRoles:\n  - rolearn: arn:aws:iam::111122223333:role/A\n    username: a\n"
    )
    result = run_cli("map", "--aws-auth", str(path), "--arn", "arn:aws:iam::111122223333:role/A")
    assert_clean_failure(result, status=1, mentions="data.mapRoles is a list, not a string")


@pytest.mark.parametrize("bad", ["not a list", "`not yaml`"])
def test_map_cli_maps_with_map_roles_when_map_users_is_malformed(tmp_path: Path, bad: str) -> None:
    from tests.support.cli import run_cli

    path = write_aws_auth(tmp_path / "aws-auth.yaml", {"mapRoles": ROLES, "mapUsers": bad})
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/Shared/alice"
    result = run_cli("map", "--aws-auth", str(path), "--arn", role)
    assert result.returncode == 0, result.stderr
    assert '"username": "from-roles"' in result.stdout
    (warning,) = [line for line in result.stderr.splitlines() if "mapUsers" in line]
    assert warning.startswith("warning: mapUsers is malformed")
    assert "the cluster ignores mapUsers and still maps with the other keys" in warning
    assert "refuses" not in result.stderr
    user = run_cli("map", "--aws-auth", str(path), "--arn", f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert user.returncode == 1
    assert user.stdout == ""
    assert "Traceback" not in user.stderr
    assert user.stderr.splitlines()[-1].startswith("error: ")
    assert "mapUsers: malformed, so the cluster ignores it" in user.stderr


def test_map_cli_maps_an_unquoted_account(tmp_path: Path) -> None:
    from tests.support.cli import run_cli

    path = tmp_path / "aws-auth.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\n"
        "data:\n  mapAccounts: |\n    - 555555555555\n"
    )
    result = run_cli("map", "--aws-auth", str(path), "--arn", "arn:aws:iam::555555555555:user/c")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert '"matched_by": "mapAccounts"' in result.stdout
