"""Which STS endpoint signs the token, from region and endpoint settings.

The settings are botocore's (see :func:`eks_token.aws.session.sts_endpoint_settings`);
this module only turns them into a host, without loading botocore's endpoint
rule engine, so the exec plugin stays fast.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from eks_token.core.inputs import closest_known_region, validate_region
from eks_token.errors import InvalidInputError

__all__ = [
    "GLOBAL_STS_HOST",
    "LEGACY_GLOBAL_REGIONS",
    "PARTITIONS",
    "EndpointSettings",
    "Partition",
    "StsEndpoint",
    "known_region",
    "partition_for_region",
    "resolve_sts_endpoint",
    "unknown_region_warning",
    "validate_endpoint_url",
    "validate_region",
]

GLOBAL_STS_HOST = "sts.amazonaws.com"
GLOBAL_SIGNING_REGION = "us-east-1"

LEGACY_GLOBAL_REGIONS = frozenset(
    {
        "aws-global",
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)


class Partition:
    __slots__ = ("dns_suffix", "dualstack_dns_suffix", "name", "region_pattern")

    def __init__(self, name: str, region_regex: str, dns_suffix: str, dualstack: str) -> None:
        self.name = name
        self.region_pattern = re.compile(region_regex, re.ASCII)
        self.dns_suffix = dns_suffix
        self.dualstack_dns_suffix = dualstack

    def __repr__(self) -> str:
        return f"Partition({self.name!r})"


PARTITIONS = (
    Partition("aws", r"^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$", "amazonaws.com", "api.aws"),
    Partition("aws-cn", r"^cn-\w+-\d+$", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    Partition("aws-us-gov", r"^us-gov-\w+-\d+$", "amazonaws.com", "api.aws"),
    Partition("aws-iso", r"^us-iso-\w+-\d+$", "c2s.ic.gov", "api.aws.ic.gov"),
    Partition("aws-iso-b", r"^us-isob-\w+-\d+$", "sc2s.sgov.gov", "api.aws.scloud"),
    Partition("aws-iso-e", r"^eu-isoe-\w+-\d+$", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    Partition("aws-iso-f", r"^us-isof-\w+-\d+$", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    Partition("aws-eusc", r"^eusc-de-\w+-\d+$", "amazonaws.eu", "api.amazonwebservices.eu"),
)
_BY_NAME = {p.name: p for p in PARTITIONS}


class EndpointSettings:
    """The STS endpoint configuration of a profile: regional mode, FIPS, dual-stack, URL."""

    __slots__ = ("endpoint_url", "regional_mode", "use_dualstack", "use_fips")

    def __init__(
        self,
        regional_mode: str = "regional",
        use_fips: bool = False,
        use_dualstack: bool = False,
        endpoint_url: str | None = None,
    ) -> None:
        self.regional_mode = regional_mode
        self.use_fips = use_fips
        self.use_dualstack = use_dualstack
        self.endpoint_url = endpoint_url


class StsEndpoint:
    """Where the presigned request goes and the region it is signed for."""

    __slots__ = ("partition", "signing_region", "url")

    def __init__(self, url: str, signing_region: str, partition: str) -> None:
        self.url = url
        self.signing_region = signing_region
        self.partition = partition

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def __repr__(self) -> str:
        return f"StsEndpoint({self.url!r}, signing_region={self.signing_region!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StsEndpoint):
            return NotImplemented
        return (self.url, self.signing_region, self.partition) == (
            other.url,
            other.signing_region,
            other.partition,
        )

    def __hash__(self) -> int:
        return hash(self.url)


def partition_for_region(region: str) -> Partition:
    """The partition a region belongs to; unknown shapes fall into ``aws`` as botocore does."""
    if region == "aws-global":
        return _BY_NAME["aws"]
    for partition in PARTITIONS:
        if partition.name != "aws" and partition.region_pattern.fullmatch(region):
            return partition
    return _BY_NAME["aws"]


def resolve_sts_endpoint(
    region: str | None,
    *,
    regional_mode: str = "regional",
    use_fips: bool = False,
    use_dualstack: bool = False,
    endpoint_url: str | None = None,
) -> StsEndpoint:
    """The STS endpoint botocore would sign GetCallerIdentity for.

    ``region`` None means no region is configured anywhere: like the AWS CLI,
    sign for the global endpoint ``sts.amazonaws.com`` in us-east-1. FIPS or
    dual-stack with no region (or ``aws-global``) use us-east-1's variant host,
    where botocore would build a host that does not exist.
    """
    if regional_mode not in ("regional", "legacy"):
        raise InvalidInputError(
            f"sts_regional_endpoints must be 'regional' or 'legacy', not {regional_mode!r}",
            option="sts_regional_endpoints",
        )
    if region is not None:
        validate_region(region)
    signing_region = region or GLOBAL_SIGNING_REGION
    if signing_region == "aws-global":
        signing_region = GLOBAL_SIGNING_REGION
    partition = partition_for_region(signing_region)
    if endpoint_url:
        return StsEndpoint(_normalise_endpoint_url(endpoint_url), signing_region, partition.name)
    plain = not use_fips and not use_dualstack
    if plain and (
        region in (None, "aws-global")
        or (regional_mode == "legacy" and region in LEGACY_GLOBAL_REGIONS)
    ):
        return StsEndpoint(f"https://{GLOBAL_STS_HOST}/", GLOBAL_SIGNING_REGION, "aws")
    suffix = partition.dualstack_dns_suffix if use_dualstack else partition.dns_suffix
    service = "sts-fips" if use_fips and partition.name != "aws-us-gov" else "sts"
    if use_fips and use_dualstack:
        service = "sts-fips"
    return StsEndpoint(
        f"https://{service}.{signing_region}.{suffix}/", signing_region, partition.name
    )


def known_region(region: str, partition: str) -> bool:
    """Whether botocore's endpoint data (as of :mod:`eks_token.core.sts_regions`) lists
    ``region`` in ``partition``; True for a partition it has no list for."""
    from eks_token.core.sts_regions import REGIONS

    known = REGIONS.get(partition)
    return not known or region in known or region in ("aws-global", GLOBAL_SIGNING_REGION)


def unknown_region_warning(region: str, partition: str) -> str | None:
    """A warning when ``region`` is not a region ``partition`` has in botocore's endpoint
    data (a typo such as ``eu-wset-1`` signs a token no cluster accepts), naming the
    closest known region; None when it is known. Tokens are still signed: new regions
    appear before botocore's data names them."""
    from eks_token.core.sts_regions import BOTOCORE_VERSION

    if known_region(region, partition):
        return None
    return (
        f"region {region!r} is not a region of partition {partition} that eks-token knows "
        f"(botocore {BOTOCORE_VERSION}'s list); did you mean "
        f"{closest_known_region(region, partition)}? The token was signed for {region!r}, "
        "and a cluster refuses it unless that region exists"
    )


def _normalise_endpoint_url(endpoint_url: str) -> str:
    parts = validate_endpoint_url(endpoint_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def validate_endpoint_url(
    url: str,
    *,
    what: str = "the STS endpoint URL (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url)",
    option: str = "endpoint_url",
) -> SplitResult:
    """An endpoint URL, split: ``http(s)://HOST[:PORT][/PATH]`` in printable ASCII, with
    no user name or password in it (they would be printed with the URL and, for STS,
    carried into every token). Every endpoint URL we take is checked here."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
        well_formed = url.isascii() and url.isprintable()
    except ValueError:  # an unclosed IPv6 bracket, a bad port
        well_formed = False
    if not well_formed or parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInputError(
            f"{what} must be http(s)://HOST[:PORT][/PATH], not {_without_userinfo(url)!r}",
            option=option,
        )
    if "@" in parts.netloc:
        raise InvalidInputError(
            f"{what} {_without_userinfo(url)!r} has a user name or password in it: remove "
            "them (an endpoint URL carries no credentials; they would be printed and sent "
            "with every request)",
            option=option,
        )
    return parts


def _without_userinfo(url: str) -> str:
    """``url`` with anything before an ``@`` in its authority shown as ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url if "@" not in url else "***@" + url.rsplit("@", 1)[-1]
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[-1]
    return f"{scheme}{sep}{authority}{slash}{path}"
