"""Verifier strictness: a token is sent to STS only when its host is an STS host of a region
the partition really has, spelled as AWS spells it, and every static rule is at least as
strict as the cluster's own verifier."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import botocore
import pytest

from eks_token.cluster.token_rules import check_token, inspect_token
from eks_token.cluster.verifier import TokenVerifier
from eks_token.core.token import encode_token
from eks_token.errors import InvalidInputError, TokenValidationError
from tests.support.cache_entries import NOW
from tests.support.sts_standin import StsStandin

DATA = Path(botocore.__file__).parent / "data"
SIGNATURE = "0" * 64
LATER = NOW + timedelta(minutes=1)


def _botocore_json(name: str) -> dict[str, object]:
    path = DATA / name
    if path.exists():
        data: dict[str, object] = json.loads(path.read_text())
    else:
        data = json.loads(gzip.decompress((DATA / (name + ".gz")).read_bytes()))
    return data


def botocore_regions() -> dict[str, tuple[set[str], str, str | None]]:
    """partition -> (its regions in botocore's endpoint data, DNS suffix, dual-stack suffix)."""
    found: dict[str, tuple[set[str], str, str | None]] = {}
    endpoints = _botocore_json("endpoints.json")
    for partition in endpoints["partitions"]:  # type: ignore[attr-defined]
        regions = set(partition["regions"])
        sts = partition["services"].get("sts", {}).get("endpoints", {})
        regions |= {name for name in sts if not name.endswith("-fips") and name != "aws-global"}
        found[partition["partition"]] = (regions, partition["dnsSuffix"], None)
    for partition in _botocore_json("partitions.json")["partitions"]:  # type: ignore[attr-defined]
        regions = {r for r in partition["regions"] if not r.endswith("-global")}
        outputs = partition["outputs"]
        known, suffix, _ = found.get(partition["id"], (set(), outputs["dnsSuffix"], None))
        found[partition["id"]] = (known | regions, suffix, outputs.get("dualStackDnsSuffix"))
    return found


BOTOCORE = botocore_regions()


def token_for_host(host: str, *, date: str = "20261128T211904Z", expires: str = "60") -> str:
    return encode_token(
        f"https://{host}/?Action=GetCallerIdentity&Version=2011-06-15"
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261128%2Fus-west-2%2Fsts%2Faws4_request"
        f"&X-Amz-Date={date}&X-Amz-Expires={expires}"
        f"&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature={SIGNATURE}"
    )


def host_accepted(host: str, partition: str, **options: object) -> bool:
    report = inspect_token(token_for_host(host), now=LATER, partition=partition, **options)  # type: ignore[arg-type]
    assert {f.rule for f in report.failures} <= {"host"}, report.failures
    return report.valid


def test_botocore_knows_every_partition() -> None:
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"} <= set(BOTOCORE)


@pytest.mark.parametrize("partition", sorted(BOTOCORE))
def test_every_regional_sts_host_of_every_partition_is_accepted(partition: str) -> None:
    regions, suffix, dualstack = BOTOCORE[partition]
    assert regions
    for region in sorted(regions):
        assert host_accepted(f"sts.{region}.{suffix}", partition), region
        assert host_accepted(f"sts-fips.{region}.{suffix}", partition), region
        if dualstack:
            assert host_accepted(f"sts.{region}.{dualstack}", partition), region
            assert host_accepted(f"sts-fips.{region}.{dualstack}", partition), region
        # ... and by no other partition.
        for other in BOTOCORE:
            if other != partition and region not in BOTOCORE[other][0]:
                assert not host_accepted(f"sts.{region}.{suffix}", other), (region, other)


def test_the_global_host_only_in_aws() -> None:
    assert host_accepted("sts.amazonaws.com", "aws")
    for partition in sorted(set(BOTOCORE) - {"aws"}):
        assert not host_accepted("sts.amazonaws.com", partition)


#: (partition, host): look-alikes, other partitions' regions, unknown regions, odd spellings.
HOSTILE_HOSTS = [
    ("aws", "sts.US-WEST-2.amazonaws.com"),
    ("aws", "STS.us-west-2.amazonaws.com"),
    ("aws", "sts.us-west-2.AMAZONAWS.COM"),
    ("aws", "STS.AMAZONAWS.COM"),
    ("aws", "sts.xn--us-west-2-9ja.amazonaws.com"),
    ("aws", "xn--sts-9ja.us-west-2.amazonaws.com"),
    ("aws", "sts.s3.amazonaws.com"),
    ("aws", "sts.s3-website-us-east-1.amazonaws.com"),
    ("aws", "sts.s3-website.us-east-1.amazonaws.com"),
    ("aws", "sts.not-a-region.amazonaws.com"),
    ("aws", "sts.us-west-99.amazonaws.com"),
    ("aws", "sts.aws-global.amazonaws.com"),
    ("aws", "sts.us-gov-west-1.amazonaws.com"),
    ("aws", "sts.cn-north-1.amazonaws.com"),
    ("aws", "sts.us-west-2.amazonaws.com."),
    ("aws", "sts.us-west-2.amazonaws.com:443"),
    ("aws", "user@sts.us-west-2.amazonaws.com"),
    ("aws", "sts.us-west-2.amazonaws.com.evil.example"),
    ("aws", "sts..amazonaws.com"),
    ("aws", "sts.us-west-2.api.aws.evil.example"),
    ("aws", "evil.example"),
    ("aws-cn", "sts.us-west-2.amazonaws.com.cn"),
    ("aws-cn", "sts.not-a-region.amazonaws.com.cn"),
    ("aws-cn", "sts.amazonaws.com"),
    ("aws-cn", "sts.cn-north-1.amazonaws.com"),
    ("aws-us-gov", "sts.us-east-1.amazonaws.com"),
    ("aws-iso", "sts.us-isob-east-1.c2s.ic.gov"),
]


@pytest.mark.parametrize(("partition", "host"), HOSTILE_HOSTS)
def test_a_hostile_host_is_refused_without_asking_anyone(
    sts_standin: StsStandin, partition: str, host: str
) -> None:
    verifier = TokenVerifier("my-cluster", partition=partition, sts_endpoint_url=sts_standin.url)
    with pytest.raises(TokenValidationError):
        verifier.verify(token_for_host(host), now=LATER)
    assert sts_standin.recorded == []


@pytest.mark.parametrize(
    "url_tail",
    [
        "\n",  # a URL with a trailing newline is not a URL to the cluster
        "%0A",
    ],
)
def test_a_trailing_newline_is_refused(url_tail: str) -> None:
    token = encode_token(
        f"https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Date=20261128T211904Z"
        f"&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id{url_tail}"
    )
    with pytest.raises(TokenValidationError):
        check_token(token, now=LATER)


@pytest.mark.parametrize(
    "date",
    [
        "%D9%A2%D9%A0%D9%A2%D9%A61128T211904Z",  # Arabic-Indic digits
        "20261128T211904Z%0A",
        "20261128T211904z",
        "+0261128T211904Z",
    ],
)
def test_an_odd_date_is_refused(date: str) -> None:
    with pytest.raises(TokenValidationError):
        check_token(token_for_host("sts.amazonaws.com", date=date), now=LATER)


@pytest.mark.parametrize("expires", ["9" * 5000, "%D9%A6%D9%A0", "60%0A", "-1", "901", ""])
def test_an_odd_expiry_is_refused(expires: str) -> None:
    with pytest.raises(TokenValidationError):
        check_token(token_for_host("sts.amazonaws.com", expires=expires), now=LATER)


def test_a_region_can_be_added_explicitly() -> None:
    host = "sts.xx-newregion-1.amazonaws.com"
    assert not host_accepted(host, "aws")
    assert host_accepted(host, "aws", extra_regions=["xx-newregion-1"])
    verifier = TokenVerifier("my-cluster", extra_regions=["xx-newregion-1"])
    assert verifier.check(token_for_host(host), now=LATER).host == host
    for bad in ("XX-NEWREGION-1", "xx-newregion-1\n", "xx-newregion-\u0661", "xn--a.b"):
        with pytest.raises(InvalidInputError):
            TokenVerifier("my-cluster", extra_regions=[bad])


def test_decode_of_a_huge_expiry_reports_instead_of_crashing() -> None:
    report = inspect_token(token_for_host("sts.amazonaws.com", expires="9" * 5000), now=LATER)
    assert "expires" in {f.rule for f in report.failures}


@pytest.mark.parametrize("region", ["us-west-2\n", "us-west-\u0662", "US-WEST-2", "us-west-2 "])
def test_a_token_signed_for_an_odd_region_is_not_valid(region: str) -> None:
    from eks_token.core.credentials import AwsCredentials
    from eks_token.core.endpoints import StsEndpoint
    from eks_token.core.signing import sign_token

    # Signed past the signer's own checks, as another tool might.
    endpoint = StsEndpoint("https://sts.amazonaws.com/", region, "aws")
    credentials = AwsCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    token = sign_token("my-cluster", credentials, endpoint, NOW).value
    assert not inspect_token(token, now=LATER).valid
    with pytest.raises(TokenValidationError):
        check_token(token, now=LATER)


def test_the_command_line_names_extra_regions_too() -> None:
    from tests.hostile.helpers import run_eks_token

    token = token_for_host("sts.xx-newregion-1.amazonaws.com")

    def rules(*extra: str) -> set[str]:
        result = run_eks_token("decode", token, *extra)
        assert "Traceback" not in result.stderr
        return {rule["rule"] for rule in json.loads(result.stdout)["failed_rules"]}

    assert "host" in rules()
    assert "host" not in rules("--extra-region", "xx-newregion-1")
    refused = run_eks_token("decode", token, "--extra-region", "XX-NEWREGION-1")
    assert refused.returncode in (1, 2)
    assert refused.stderr.startswith("error: ")
