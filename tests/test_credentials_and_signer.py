"""Credentials values and the signer's sources: explicit keys, botocore objects, sessions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import botocore.credentials
import botocore.session
import pytest

from eks_token import AwsCredentials, TokenSigner, errors, get_token
from eks_token.cache.interface import FRESHNESS_MARGIN, MemoryTokenCache
from eks_token.core.token import Token
from tests.support.aws_env import AwsEnv
from tests.support.sigv4_check import check_token

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_repr_hides_secret_and_session_token() -> None:
    creds = AwsCredentials("AKIDEXAMPLE", SECRET, "SESSIONTOKENVALUE")
    text = repr(creds)
    assert "AKIDEXAMPLE" in text
    assert SECRET not in text
    assert "SESSIONTOKENVALUE" not in text
    assert "temporary" in text


def test_partial_credentials_are_refused() -> None:
    with pytest.raises(errors.CredentialsError, match="partial"):
        AwsCredentials("AKIDEXAMPLE", "")


def test_equality_and_empty_session_token() -> None:
    assert AwsCredentials("a", "b", "") == AwsCredentials("a", "b")
    assert AwsCredentials("a", "b").session_token is None
    assert AwsCredentials("a", "b", "t") != AwsCredentials("a", "b")


def _ok(token: Token, key: str = "AKIAIOSFODNN7EXAMPLE", cluster: str = "c") -> bool:
    result = check_token(token.value, cluster_id=cluster, keys={key: SECRET}, now=NOW)
    return result.ok


def test_botocore_credentials_object_is_accepted(aws_env: AwsEnv) -> None:
    creds = botocore.credentials.Credentials("AKIAI44QH8DHBEXAMPLE", SECRET)
    token = get_token("c", credentials=creds, now=NOW)
    assert _ok(token, "AKIAI44QH8DHBEXAMPLE")


def test_botocore_session_is_used_for_credentials_and_region(aws_env: AwsEnv) -> None:
    session = botocore.session.Session()
    session.set_credentials("AKIAI44QH8DHBEXAMPLE", SECRET)
    session.set_config_variable("region", "ca-central-1")
    signer = TokenSigner(session=session)
    assert signer.region == "us-west-2"  # AWS_REGION in the environment still wins
    token = signer.get_token("c", now=NOW)
    assert _ok(token, "AKIAI44QH8DHBEXAMPLE")


def test_profile_credentials(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_REGION")
    aws_env.config_file.parent.mkdir(parents=True)
    aws_env.config_file.write_text("[profile ops]\nregion = eu-north-1\n")
    aws_env.credentials_file.write_text(
        f"[ops]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = {SECRET}\n"
    )
    signer = TokenSigner(profile="ops")
    assert signer.region == "eu-north-1"
    assert signer.credential_method == "shared-credentials-file"
    assert signer.endpoint.host == "sts.eu-north-1.amazonaws.com"
    assert _ok(signer.get_token("c", now=NOW), "AKIAI44QH8DHBEXAMPLE")


def test_signer_resolves_once_and_signs_many(aws_env: AwsEnv) -> None:
    signer = TokenSigner()
    tokens = [signer.get_token(f"cluster-{i}", now=NOW) for i in range(20)]
    assert len({t.value for t in tokens}) == 20
    assert all(_ok(t, cluster=f"cluster-{i}") for i, t in enumerate(tokens))
    assert all(t.expiration == NOW + timedelta(minutes=14) for t in tokens)


def test_empty_cluster_id(aws_env: AwsEnv) -> None:
    for bad in ("", "  ", " lead", "tab\there"):
        with pytest.raises(errors.InvalidInputError) as caught:
            get_token(bad)
        assert caught.value.option == "cluster_id"


def test_memory_cache_serves_only_fresh_tokens() -> None:
    cache = MemoryTokenCache()
    key = {"cluster": "c", "region": "us-west-2"}
    token = Token("k8s-aws-v1.x", NOW + timedelta(minutes=14), "c")
    cache.put(key, token)
    assert cache.get(key, NOW) is token
    assert cache.get({"cluster": "c", "region": "eu-west-1"}, NOW) is None
    assert cache.get(key, NOW + timedelta(minutes=14) - FRESHNESS_MARGIN - timedelta(seconds=1))
    assert cache.get(key, NOW + timedelta(minutes=14) - FRESHNESS_MARGIN) is None
    cache.clear()
    assert cache.get(key, NOW) is None
