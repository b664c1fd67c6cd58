"""The static rules 1-15, one at a time, and the offline report of `decode`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eks_token import AwsCredentials
from eks_token.cluster.token_rules import RULES, check_token, inspect_token
from eks_token.errors import InvalidInputError, TokenValidationError
from tests.cluster_side_helpers import (
    HOSTILE_HOSTS,
    ONE_RULE_BROKEN,
    SIGNED_AT,
    VALID,
    VALID_URL,
    make_token,
    replace_param,
    token_of,
    url_of,
    with_host,
)

LATER = SIGNED_AT + timedelta(minutes=1)


def test_a_fresh_token_passes_every_rule() -> None:
    checked = check_token(VALID, now=LATER)
    assert checked.host == "sts.us-west-2.amazonaws.com"
    assert checked.access_key_id == "AKIAIOSFODNN7EXAMPLE"
    assert checked.signing_time == SIGNED_AT


def test_every_rule_has_a_case() -> None:
    assert set(ONE_RULE_BROKEN) | {"expired"} == set(RULES)


@pytest.mark.parametrize(("rule", "token"), ONE_RULE_BROKEN.items(), ids=list(ONE_RULE_BROKEN))
def test_each_rule_broken_alone_raises_its_own_error(rule: str, token: str) -> None:
    with pytest.raises(TokenValidationError) as caught:
        check_token(token, now=LATER)
    assert caught.value.rule == rule
    report = inspect_token(token, now=LATER)
    assert [f.rule for f in report.failures] == [rule]


def test_expired_sixteen_minutes_after_signing() -> None:
    check_token(VALID, now=SIGNED_AT + timedelta(minutes=15))
    with pytest.raises(TokenValidationError) as caught:
        check_token(VALID, now=SIGNED_AT + timedelta(minutes=15, seconds=1))
    assert caught.value.rule == "expired"


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_hostile_hosts(host: str) -> None:
    with pytest.raises(TokenValidationError) as caught:
        check_token(with_host(host), now=LATER)
    assert caught.value.rule in ("host", "url")


@pytest.mark.parametrize(
    ("host", "partition"),
    [
        ("sts.amazonaws.com", "aws"),
        ("sts-fips.us-east-1.amazonaws.com", "aws"),
        ("sts.us-east-1.api.aws", "aws"),
        ("sts.cn-north-1.amazonaws.com.cn", "aws-cn"),
        ("sts.cn-north-1.api.amazonwebservices.com.cn", "aws-cn"),
        ("sts.us-gov-west-1.amazonaws.com", "aws-us-gov"),
        ("sts.us-iso-east-1.c2s.ic.gov", "aws-iso"),
    ],
)
def test_sts_hosts_of_the_partition_are_accepted(host: str, partition: str) -> None:
    assert check_token(with_host(host), now=LATER, partition=partition).host == host


def test_global_host_only_in_aws_and_cn_suffix_only_in_aws_cn() -> None:
    for token, partition in (
        (with_host("sts.amazonaws.com"), "aws-cn"),
        (with_host("sts.cn-north-1.amazonaws.com.cn"), "aws"),
    ):
        with pytest.raises(TokenValidationError, match="not an STS host"):
            check_token(token, now=LATER, partition=partition)


def test_unknown_partition_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_token(VALID, now=LATER, partition="aws-moon")
    assert caught.value.option == "partition"


@pytest.mark.parametrize(
    ("token", "rule"),
    [
        (VALID + "=", "base64"),
        (VALID[:20] + "+" + VALID[21:], "base64"),
        (VALID[:20] + "/" + VALID[21:], "base64"),
        ("k8s-aws-v1.", "base64"),
        (token_of(VALID_URL + "&Action=GetCallerIdentity"), "duplicate-parameter"),
        (token_of(VALID_URL.replace("Action=", "ACTION=", 1) + "&action=x"), "duplicate-parameter"),
        (token_of(VALID_URL + "&x=%zz"), "query"),
        (token_of(VALID_URL + "&x=%ff"), "query"),
        (token_of(replace_param(VALID_URL, "X-Amz-Expires", "-1")), "expires"),
        (token_of(replace_param(VALID_URL, "X-Amz-Expires", "sixty")), "expires"),
        (token_of(replace_param(VALID_URL, "X-Amz-Expires", None)), "expires"),
        (token_of(replace_param(VALID_URL, "X-Amz-Date", None)), "date"),
        (token_of(replace_param(VALID_URL, "X-Amz-Date", "20261399T250000Z")), "date"),
        (token_of(replace_param(VALID_URL, "Action", None)), "action"),
        (token_of(replace_param(VALID_URL, "Action", "getcalleridentity")), "action"),
        (token_of(VALID_URL.replace("?", " ?", 1)), "url"),
        (token_of(VALID_URL + "#frag"), "url"),
    ],
)
def test_more_hostile_tokens(token: str, rule: str) -> None:
    with pytest.raises(TokenValidationError) as caught:
        check_token(token, now=LATER)
    assert caught.value.rule == rule


@pytest.mark.parametrize("expires", ["0", "60", "900"])
def test_expires_bounds_are_inclusive(expires: str) -> None:
    check_token(token_of(replace_param(VALID_URL, "X-Amz-Expires", expires)), now=LATER)


def test_signed_headers_match_case_insensitively() -> None:
    url = replace_param(VALID_URL, "X-Amz-SignedHeaders", "host%3BX-K8S-AWS-ID")
    check_token(token_of(url), now=LATER)


def test_report_of_a_session_token() -> None:
    report = inspect_token(make_token(credentials=AwsCredentials("ASIAX", "s", "tok")), now=LATER)
    assert report.valid
    data = report.to_dict()
    assert data["session_token_present"] is True
    assert data["sts_host"] == "sts.us-west-2.amazonaws.com"
    assert (data["region"], data["partition"]) == ("us-west-2", "aws")
    assert (data["age_seconds"], data["time_left_seconds"]) == (60, 840)
    assert data["signed_headers"] == ["host", "x-k8s-aws-id"]
    assert data["signing_time"] == "2026-01-15T12:00:00Z"
    assert "tok" not in str(data).replace("token", "")


def test_global_endpoint_report() -> None:
    report = inspect_token(make_token(region=None), now=LATER)
    assert (report.sts_host, report.region, report.partition) == (
        "sts.amazonaws.com",
        "us-east-1",
        "aws",
    )


def test_report_lists_every_failed_rule_not_only_the_first() -> None:
    url = replace_param(VALID_URL.replace("https://", "http://"), "Action", "AssumeRole")
    url = replace_param(url, "X-Amz-Expires", "1000")
    report = inspect_token(token_of(url), now=SIGNED_AT + timedelta(hours=1))
    assert [f.rule for f in report.failures] == ["scheme", "action", "expires", "expired"]
    assert not report.valid


def test_messages_never_echo_the_signature_or_session_token() -> None:
    token = make_token(credentials=AwsCredentials("ASIAX", "s", "SESSIONSECRET"))
    url = url_of(token)
    signature = url.rsplit("X-Amz-Signature=", 1)[1]
    broken = token_of(url.replace("https://", "http://") + "&X-Amz-Evil=1")
    report = inspect_token(broken, now=SIGNED_AT + timedelta(hours=1))
    text = str(report.to_dict())
    assert "SESSIONSECRET" not in text
    assert signature not in text


def assert_check_and_report_agree(candidate: str) -> None:
    """Only TokenValidationError escapes, and verify's first failure is decode's first."""
    report = inspect_token(candidate, now=LATER)
    if report.valid:
        check_token(candidate, now=LATER)
        return
    with pytest.raises(TokenValidationError) as caught:
        check_token(candidate, now=LATER)
    assert caught.value.rule == report.failures[0].rule


#: Any code point, lone surrogates (what non-UTF-8 argv and stdin decode to) made frequent.
ANY_CHARACTER = st.one_of(st.characters(), st.characters(categories=["Cs"]))


def mutate(data: st.DataObject, text: str) -> str:
    position = data.draw(st.integers(0, len(text)))
    kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    char = data.draw(ANY_CHARACTER)
    if kind == "insert":
        return text[:position] + char + text[position:]
    if kind == "delete":
        return text[:position] + text[position + 1 :]
    return text[:position] + char + text[position + 1 :]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_tokens_and_urls_raise_only_our_errors(data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(["token", "url"]))
    candidate = mutate(data, VALID) if target == "token" else token_of(mutate(data, VALID_URL))
    assert_check_and_report_agree(candidate)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.booleans(), st.sampled_from(["replace", "surrogateescape"]))
def test_random_bytes_raise_only_our_errors(raw: bytes, as_url: bool, errors: str) -> None:
    # surrogateescape: how Python hands non-UTF-8 argv and stdin to the CLI.
    text = raw.decode("utf-8", errors=errors)
    candidate = token_of(text) if as_url else "k8s-aws-v1." + text
    assert_check_and_report_agree(candidate)


@settings(max_examples=200, deadline=None)
@given(st.text(ANY_CHARACTER, max_size=5000))
def test_arbitrary_code_points_raise_only_our_errors(text: str) -> None:
    assert_check_and_report_agree(text)
    assert_check_and_report_agree("k8s-aws-v1." + text)


@pytest.mark.parametrize(
    ("token", "rule"),
    [
        ("k8s-aws-v1.\udcff", "base64"),
        (VALID[:20] + "\udcff" + VALID[20:], "base64"),
        (VALID + "\u00e9", "base64"),
        ("k8s-aws-v1." + "\udcff" * 1400, "length"),
        ("\udcff" + VALID, "prefix"),
    ],
    ids=["lone-surrogate", "surrogate-inside", "non-ascii", "long-surrogates", "before-prefix"],
)
def test_tokens_that_are_not_ascii_fail_a_rule(token: str, rule: str) -> None:
    with pytest.raises(TokenValidationError) as caught:
        check_token(token, now=LATER)
    assert caught.value.rule == rule
    report = inspect_token(token, now=LATER)
    assert report.failures[0].rule == rule
    assert report.length == len(token.encode("utf-8", "surrogatepass"))


def test_a_token_signed_ahead_of_now_beyond_stss_skew_is_flagged() -> None:
    """STS refuses a request signed more than 5 minutes ahead of its clock: such a token
    (one a cache kept from a time the clock was ahead) breaks the "future" rule."""
    ahead = make_token(when=SIGNED_AT + timedelta(minutes=20))
    check_token(ahead, now=SIGNED_AT + timedelta(minutes=15))  # 5 minutes ahead: accepted
    with pytest.raises(TokenValidationError) as caught:
        check_token(ahead, now=SIGNED_AT + timedelta(minutes=14, seconds=59))
    assert caught.value.rule == "future"
    assert "20 minutes after" in check_rule_message(ahead, SIGNED_AT)
    report = inspect_token(ahead, now=SIGNED_AT)
    assert [f.rule for f in report.failures] == ["future"]
    assert not report.valid


def check_rule_message(token: str, now: datetime) -> str:
    with pytest.raises(TokenValidationError) as caught:
        check_token(token, now=now)
    return caught.value.message
