"""The STS hosts a cluster accepts tokens for, by partition."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from eks_token.core.endpoints import PARTITIONS, validate_region
from eks_token.errors import InvalidInputError

__all__ = ["sts_host_pattern"]


def sts_host_pattern(partition: str, extra_regions: Iterable[str] = ()) -> re.Pattern[str]:
    """The hosts a server in ``partition`` accepts tokens for (use ``fullmatch``).

    ``sts.amazonaws.com`` (in ``aws`` only) and ``sts[-fips].<region>.<suffix>``, with
    the partition's DNS or dual-stack suffix, for the regions the partition has in
    botocore's endpoint data (:mod:`eks_token.core.sts_regions`) and those in
    ``extra_regions``: lower case only, as AWS spells its hosts.
    """
    extras = frozenset(validate_region(region) for region in extra_regions)
    return _host_pattern(partition, extras)


@functools.lru_cache(maxsize=32)
def _host_pattern(partition: str, extra_regions: frozenset[str]) -> re.Pattern[str]:
    from eks_token.core.sts_regions import REGIONS

    chosen = next((p for p in PARTITIONS if p.name == partition), None)
    if chosen is None or partition not in REGIONS:
        known = ", ".join(p.name for p in PARTITIONS if p.name in REGIONS)
        raise InvalidInputError(
            f"unknown partition {partition!r}; use one of {known}", option="partition"
        )
    regions = "|".join(re.escape(r) for r in sorted(REGIONS[partition] | extra_regions))
    suffixes = "|".join(re.escape(s) for s in (chosen.dns_suffix, chosen.dualstack_dns_suffix))
    regional = rf"sts(?:-fips)?\.(?P<region>{regions})\.(?:{suffixes})"
    if partition == "aws":
        return re.compile(rf"sts\.amazonaws\.com|{regional}")
    return re.compile(regional)
