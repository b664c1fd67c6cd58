"""STS endpoint selection: our table against botocore's endpoint rules; where settings come from."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.config import Config

from eks_token import AwsCredentials, TokenSigner, errors
from eks_token.core.endpoints import partition_for_region, resolve_sts_endpoint, validate_region

REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-south-1",
    "ap-southeast-7",
    "mx-central-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
]
# botocore's bundled rules know no dual-stack suffix for these partitions yet; partitions.json does.
NO_DUALSTACK_IN_BOTOCORE_RULES = {"eu-isoe-west-1", "us-isof-south-1"}
CASES = [
    case
    for case in itertools.product(REGIONS, ["regional", "legacy"], [False, True], [False, True])
    if not (case[0] in NO_DUALSTACK_IN_BOTOCORE_RULES and case[3])
]
EXAMPLE = AwsCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config


def _botocore_endpoint(
    region: str | None, mode: str, fips: bool, dualstack: bool
) -> tuple[str, str]:
    session = botocore.session.Session()
    session.set_config_variable("sts_regional_endpoints", mode)
    client = session.create_client(
        "sts",
        region_name=region,
        aws_access_key_id=EXAMPLE.access_key_id,
        aws_secret_access_key=EXAMPLE.secret_access_key,
        config=Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack),
    )
    url = urlsplit(client.generate_presigned_url("get_caller_identity"))
    return url.netloc, parse_qs(url.query)["X-Amz-Credential"][0].split("/")[2]


@pytest.mark.parametrize(("region", "mode", "fips", "dualstack"), CASES)
def test_endpoint_matches_botocore(
    clean_env: Path, region: str, mode: str, fips: bool, dualstack: bool
) -> None:
    ours = resolve_sts_endpoint(region, regional_mode=mode, use_fips=fips, use_dualstack=dualstack)
    assert (ours.host, ours.signing_region) == _botocore_endpoint(region, mode, fips, dualstack)


@pytest.mark.parametrize("mode", ["regional", "legacy"])
def test_no_region_signs_for_the_global_endpoint_like_the_cli(clean_env: Path, mode: str) -> None:
    ours = resolve_sts_endpoint(None, regional_mode=mode)
    assert (ours.host, ours.signing_region) == _botocore_endpoint(None, mode, False, False)
    assert ours.host == "sts.amazonaws.com"


def test_fips_without_region_uses_a_host_that_exists() -> None:
    assert resolve_sts_endpoint(None, use_fips=True).host == "sts-fips.us-east-1.amazonaws.com"
    assert resolve_sts_endpoint("aws-global", use_dualstack=True).host == "sts.us-east-1.api.aws"


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-west-2", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partitions(region: str, partition: str) -> None:
    assert partition_for_region(region).name == partition
    assert resolve_sts_endpoint(region).partition == partition


@pytest.mark.parametrize(
    ("region", "hint"),
    [
        ("us-west-2a", "availability zone"),
        ("US-WEST-2", "lower case"),
        ("uswest2", "region name"),
        ("", "region name"),
        ("us-west-2 ", "region name"),
        ("sts.amazonaws.com", "region name"),
    ],
)
def test_bad_region_names_are_refused_with_a_hint(region: str, hint: str) -> None:
    with pytest.raises(errors.InvalidInputError, match=hint) as caught:
        validate_region(region)
    assert caught.value.option == "region"


def test_endpoint_url_override_keeps_the_signing_region() -> None:
    endpoint = resolve_sts_endpoint("eu-west-1", endpoint_url="http://127.0.0.1:4566")
    assert endpoint.url == "http://127.0.0.1:4566/"
    assert endpoint.signing_region == "eu-west-1"
    assert resolve_sts_endpoint("aws-global", endpoint_url="https://x").signing_region == (
        "us-east-1"
    )
    with pytest.raises(errors.InvalidInputError, match="STS endpoint URL"):
        resolve_sts_endpoint("eu-west-1", endpoint_url="sts.example")


def _signer_endpoint(**kwargs: object) -> tuple[str, str]:
    signer = TokenSigner(credentials=EXAMPLE, **kwargs)  # type: ignore[arg-type]
    return signer.endpoint.url, signer.endpoint.signing_region


def test_settings_come_from_botocore_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert _signer_endpoint() == ("https://sts.eu-west-1.amazonaws.com/", "eu-west-1")
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    assert _signer_endpoint() == ("https://sts.amazonaws.com/", "us-east-1")
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    assert _signer_endpoint() == ("https://sts-fips.eu-west-1.amazonaws.com/", "eu-west-1")
    monkeypatch.setenv("AWS_USE_DUALSTACK_ENDPOINT", "true")
    assert _signer_endpoint() == ("https://sts-fips.eu-west-1.api.aws/", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "https://vpce-1.sts.eu-west-1.vpce.amazonaws.com")
    assert _signer_endpoint() == (
        "https://vpce-1.sts.eu-west-1.vpce.amazonaws.com/",
        "eu-west-1",
    )
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert _signer_endpoint()[0] == "https://sts-fips.eu-west-1.api.aws/"


def test_settings_come_from_the_profile(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env.write_text(
        "[default]\nregion = ap-south-1\n\n"
        "[profile old]\nregion = ap-south-1\nsts_regional_endpoints = legacy\n\n"
        "[profile fips]\nregion = us-gov-west-1\nuse_fips_endpoint = true\n\n"
        "[profile vpce]\nregion = us-east-2\nservices = private\n\n"
        "[services private]\nsts =\n  endpoint_url = https://sts.internal.example:8443\n"
    )
    assert _signer_endpoint() == ("https://sts.ap-south-1.amazonaws.com/", "ap-south-1")
    assert _signer_endpoint(profile="old") == ("https://sts.amazonaws.com/", "us-east-1")
    assert _signer_endpoint(profile="fips")[0] == "https://sts.us-gov-west-1.amazonaws.com/"
    assert _signer_endpoint(profile="vpce") == ("https://sts.internal.example:8443/", "us-east-2")


def test_region_order(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env.write_text("[default]\nregion = ap-south-1\n")
    assert TokenSigner(credentials=EXAMPLE).region == "ap-south-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    assert TokenSigner(credentials=EXAMPLE).region == "eu-west-2"
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert TokenSigner(credentials=EXAMPLE).region == "eu-west-3"
    assert TokenSigner(credentials=EXAMPLE, region="sa-east-1").region == "sa-east-1"


def test_no_region_anywhere(clean_env: Path) -> None:
    signer = TokenSigner(credentials=EXAMPLE)
    assert signer.region is None
    assert signer.endpoint.url == "https://sts.amazonaws.com/"


def test_bad_configured_region_is_reported(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1b")
    with pytest.raises(errors.InvalidInputError, match="availability zone"):
        TokenSigner(credentials=EXAMPLE).get_token("c")
