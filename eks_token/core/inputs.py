"""Validation of what a user hands us, once, where it enters: ASCII only, whole-value matches.

No regular expressions: the exec plugin's cache-hit path resolves and checks its
request with these, and must not pay for importing ``re``.
"""

from __future__ import annotations

from eks_token.errors import InvalidInputError

__all__ = [
    "PARTITION_NAMES",
    "closest_known_region",
    "validate_cluster_id",
    "validate_region",
    "validate_role_arn",
    "validate_session_name",
]

#: The AWS partitions whose IAM role ARNs we accept (``core.endpoints.PARTITIONS`` in order).
PARTITION_NAMES = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)

_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_ALNUM = _LOWER | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ") | _DIGITS
_SESSION_NAME_CHARS = _ALNUM | frozenset("_+=,.@-")
_ROLE_NAME_CHARS = _SESSION_NAME_CHARS | frozenset("/")


def _region_shape(region: str) -> str | None:
    """ "region" for ``us-west-2``, "zone" for ``us-west-2a``, else None (ASCII only)."""
    parts = region.split("-")
    if len(parts) < 3 or not 2 <= len(parts[0]) <= 5:
        return None
    if not all(part and set(part) <= _LOWER for part in parts[:-1]):
        return None
    last = parts[-1]
    digits = last.rstrip("abcdefghijklmnopqrstuvwxyz")
    if not 1 <= len(digits) <= 2 or not set(digits) <= _DIGITS:
        return None
    suffix = len(last) - len(digits)
    return "region" if suffix == 0 else "zone" if suffix == 1 else None


def validate_region(region: str) -> str:
    """Return ``region`` if it is a region name such as ``us-west-2``, else raise saying why."""
    if region == "aws-global" or _region_shape(region) == "region":
        return region
    hint = ""
    if region.isascii() and region.lower() != region:
        hint = " (region names are lower case)"
    elif _region_shape(region) == "zone":
        hint = " (that looks like an availability zone; drop the last letter)"
    elif region.strip() and region.isascii() and region.isprintable() and len(region) <= 40:
        hint = f" (did you mean {closest_known_region(region)}?)"
    raise InvalidInputError(
        f"{region!r} is not an AWS region name such as us-west-2{hint}", option="region"
    )


def closest_known_region(region: str, partition: str | None = None) -> str:
    """The region of ``partition`` (default: every partition) in botocore's endpoint data
    nearest to ``region`` by edit distance, for a message about a mistyped region."""
    from eks_token.core.sts_regions import REGIONS

    known = (
        REGIONS.get(partition, frozenset()) if partition else frozenset().union(*REGIONS.values())
    )
    return min(sorted(known), key=lambda name: _edit_distance(region, name))


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions, each costing one."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def validate_cluster_id(cluster_id: str | None) -> str:
    """The EKS cluster name (or Outposts cluster id) the token is for: printable ASCII."""
    if cluster_id is None or not cluster_id.strip():
        raise InvalidInputError(
            "the cluster id is empty: pass the EKS cluster name with -i / --cluster-name (or, "
            "for a local cluster on Outposts, its id)",
            option="cluster_id",
        )
    if not all("\x21" <= c <= "\x7e" for c in cluster_id):
        raise InvalidInputError(
            f"the cluster id {cluster_id!r} has spaces, control or non-ASCII characters",
            option="cluster_id",
        )
    return cluster_id


def validate_role_arn(role_arn: str) -> str:
    """An IAM role ARN such as ``arn:aws:iam::111122223333:role/NAME`` (paths allowed)."""
    fields = role_arn.split(":", 5)
    ok = (
        len(fields) == 6
        and fields[0] == "arn"
        and fields[1] in PARTITION_NAMES
        and fields[2] == "iam"
        and fields[3] == ""
        and len(fields[4]) == 12
        and set(fields[4]) <= _DIGITS
        and fields[5].startswith("role/")
        and len(fields[5]) > len("role/")
        and set(fields[5][5:]) <= _ROLE_NAME_CHARS
    )
    if not ok:
        hint = ""
        if len(fields) == 6 and not (len(fields[4]) == 12 and set(fields[4]) <= _DIGITS):
            hint = " (the account id must be 12 digits)"
        elif len(fields) == 6 and not fields[5].startswith("role/"):
            hint = " (the resource must be role/NAME)"
        raise InvalidInputError(
            f"{role_arn!r} is not an IAM role ARN such as "
            f"arn:aws:iam::111122223333:role/NAME{hint}",
            option="role_arn",
        )
    return role_arn


def validate_session_name(name: str) -> str:
    """A role session name: 2 to 64 of ASCII letters, digits and ``+=,.@_-``."""
    if not (2 <= len(name) <= 64 and set(name) <= _SESSION_NAME_CHARS):
        raise InvalidInputError(
            f"{name!r} is not a role session name: 2 to 64 of letters, digits and +=,.@_-",
            option="session_name",
        )
    return name
