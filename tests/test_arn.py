from __future__ import annotations

import pytest

from eks_token.cluster.identity import canonicalize_arn, parse_arn
from eks_token.errors import ArnError


@pytest.mark.parametrize(
    ("arn", "canonical"),
    [
        ("arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice"),
        ("arn:aws:iam::111122223333:user/team/alice", "arn:aws:iam::111122223333:user/team/alice"),
        ("arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/Admin"),
        ("arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"),
        (
            "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com",
            "arn:aws:iam::111122223333:role/Admin",
        ),
        (
            "arn:aws-cn:sts::111122223333:assumed-role/Dev/i-0123456789abcdef0",
            "arn:aws-cn:iam::111122223333:role/Dev",
        ),
        (
            "arn:aws-us-gov:sts::111122223333:federated-user/bob",
            "arn:aws-us-gov:sts::111122223333:federated-user/bob",
        ),
    ],
)
def test_canonical_form(arn: str, canonical: str) -> None:
    assert canonicalize_arn(arn) == canonical


def test_assumed_role_fields() -> None:
    parsed = parse_arn("arn:aws:sts::111122223333:assumed-role/Admin/alice")
    assert (parsed.kind, parsed.name, parsed.session_name) == ("assumed-role", "Admin", "alice")
    assert parsed.account_id == "111122223333"
    assert not parsed.has_path


def test_role_path_is_kept_and_flagged() -> None:
    parsed = parse_arn("arn:aws:iam::111122223333:role/team/Admin")
    assert parsed.name == "team/Admin"
    assert parsed.has_path


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "not-an-arn",
        "arn:aws:iam::111122223333",
        "arn:aws-moon:iam::111122223333:user/alice",
        "arn:aws:s3:::bucket/key",
        "arn:aws:iam:us-west-2:111122223333:user/alice",
        "arn:aws:iam::12345:user/alice",
        "arn:aws:iam::111122223333:group/devs",
        "arn:aws:iam::111122223333:user/",
        "arn:aws:iam::111122223333:root/extra",
        "arn:aws:sts::111122223333:assumed-role/Admin",
        "arn:aws:sts::111122223333:assumed-role//alice",
        "arn:aws:sts::111122223333:federated-user/",
        "arn:aws:sts::111122223333:user/alice",
    ],
)
def test_anything_else_is_an_arn_error(arn: str) -> None:
    with pytest.raises(ArnError) as caught:
        canonicalize_arn(arn)
    assert caught.value.arn == arn


def test_identity_from_a_session_arn_takes_its_session_and_canonical_role() -> None:
    from eks_token.cluster.identity import identity_from_arn

    who = identity_from_arn(
        "arn:aws:sts::111122223333:assumed-role/Dev/alice", access_key_id="ASIAEXAMPLE"
    )
    assert who.canonical_arn == "arn:aws:iam::111122223333:role/Dev"
    assert (who.account_id, who.session_name, who.access_key_id) == (
        "111122223333",
        "alice",
        "ASIAEXAMPLE",
    )
    assert (who.user_id, who.sts_host) == ("", "")


def test_identity_from_a_role_arn_takes_the_session_name_given() -> None:
    from eks_token.cluster.identity import identity_from_arn

    role = "arn:aws:iam::111122223333:role/team/Dev"
    assert identity_from_arn(role).session_name is None
    who = identity_from_arn(role, session_name="bob")
    assert (who.arn, who.canonical_arn, who.session_name) == (role, role, "bob")


@pytest.mark.parametrize("arn", ["", "arn:aws:s3:::bucket", "arn:aws:iam::12:user/x"])
def test_identity_from_an_arn_that_names_no_principal_is_an_arn_error(arn: str) -> None:
    from eks_token.cluster.identity import identity_from_arn

    with pytest.raises(ArnError):
        identity_from_arn(arn)
