"""The static rules the cluster applies to a token before it asks STS (protocol §5, 1-15),
and one of STS's: a token signed more than STS's clock skew after ``now`` ("future").

:func:`check_token` stops at the first broken rule, as the cluster does;
:func:`inspect_token` runs every rule it can and reports what the token holds,
for ``eks-token decode``. Neither touches the network, and neither ever
returns or prints the signature or the session token.

The machinery of the rules is one pass in the cluster's order: :func:`check_token`
raises at the first broken rule (verify) and :func:`inspect_token` collects them all
(decode) through the ``fail`` callback given to :func:`run_rules`. The STS hosts a
cluster accepts tokens for, by partition, are :func:`sts_host_pattern`'s.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import SplitResult, unquote_plus, urlsplit

from eks_token.cache.entry import STS_CLOCK_SKEW_SECONDS
from eks_token.core.endpoints import PARTITIONS, partition_for_region, validate_region
from eks_token.core.signing import MAX_TOKEN_LENGTH
from eks_token.core.sigv4 import CLUSTER_ID_HEADER
from eks_token.core.token import TOKEN_PREFIX, decode_token
from eks_token.errors import InvalidInputError, TokenValidationError

__all__ = [
    "ALLOWED_PARAMETERS",
    "MAX_EXPIRES",
    "PRESIGN_VALIDITY",
    "RULES",
    "SIGNING_SKEW",
    "CheckedToken",
    "RuleFailure",
    "TokenFields",
    "TokenReport",
    "check_token",
    "inspect_token",
    "run_rules",
    "sts_host_pattern",
    "token_length",
]


@dataclass(frozen=True)
class CheckedToken:
    """A token that passed every static rule: what the STS call and the identity need."""

    url: str = field(repr=False)
    host: str
    access_key_id: str
    signing_time: datetime

    def __post_init__(self) -> None:
        if self.signing_time.tzinfo is None:
            raise InvalidInputError("signing_time must be timezone-aware")


@dataclass(frozen=True)
class TokenReport:
    """What ``eks-token decode`` shows: the token's fields and every rule it breaks."""

    length: int
    sts_host: str | None = None
    region: str | None = None
    partition: str | None = None
    access_key_id: str | None = None
    signing_time: datetime | None = None
    age: timedelta | None = None
    time_left: timedelta | None = None
    signed_headers: tuple[str, ...] = ()
    session_token_present: bool = False
    failures: tuple[RuleFailure, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, object]:
        def seconds(delta: timedelta | None) -> int | None:
            return None if delta is None else int(delta.total_seconds())

        signed = self.signing_time
        return {
            "valid": self.valid,
            "length": self.length,
            "sts_host": self.sts_host,
            "region": self.region,
            "partition": self.partition,
            "access_key_id": self.access_key_id,
            "signing_time": signed.strftime("%Y-%m-%dT%H:%M:%SZ") if signed else None,
            "age_seconds": seconds(self.age),
            "time_left_seconds": seconds(self.time_left),
            "signed_headers": list(self.signed_headers),
            "session_token_present": self.session_token_present,
            "failed_rules": [{"rule": f.rule, "message": f.message} for f in self.failures],
        }


def check_token(
    token: str, *, now: datetime, partition: str = "aws", extra_regions: Iterable[str] = ()
) -> CheckedToken:
    """Apply rules 1-15 in order; the first broken one raises its TokenValidationError.

    ``extra_regions`` are regions whose STS hosts are accepted although botocore's
    endpoint data does not list them for ``partition`` (a region newer than it).
    """

    def fail(rule: str, message: str) -> None:
        raise TokenValidationError(message, rule=rule)

    fields = run_rules(token, now, partition, fail, extra_regions)
    if fields.url is None or fields.host is None or fields.signing_time is None:
        raise TokenValidationError("the token could not be read", rule="url")  # unreachable
    return CheckedToken(fields.url, fields.host, fields.access_key_id or "", fields.signing_time)


def inspect_token(
    token: str, *, now: datetime, partition: str = "aws", extra_regions: Iterable[str] = ()
) -> TokenReport:
    """Run every rule that can run and describe the token; never raises for a bad token."""
    failures: list[RuleFailure] = []
    fields = run_rules(
        token, now, partition, lambda r, m: failures.append(RuleFailure(r, m)), extra_regions
    )
    region = fields.region
    age = now - fields.signing_time if fields.signing_time else None
    return TokenReport(
        length=token_length(token),
        sts_host=fields.host,
        region=region,
        partition=partition_for_region(region).name if region else None,
        access_key_id=fields.access_key_id,
        signing_time=fields.signing_time,
        age=age,
        time_left=PRESIGN_VALIDITY - age if age is not None else None,
        signed_headers=fields.signed_headers,
        session_token_present=fields.session_token_present,
        failures=tuple(failures),
    )


RULES = (
    "length",
    "prefix",
    "base64",
    "url",
    "scheme",
    "host",
    "path",
    "query",
    "duplicate-parameter",
    "parameter",
    "action",
    "signed-headers",
    "expires",
    "date",
    "expired",
    "future",
)
ALLOWED_PARAMETERS = frozenset(
    {
        "action",
        "version",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-expires",
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-signedheaders",
    }
)
#: STS accepts a presigned GetCallerIdentity URL this long after X-Amz-Date.
PRESIGN_VALIDITY = timedelta(minutes=15)
#: ... and refuses one whose X-Amz-Date is more than this ahead of its clock.
SIGNING_SKEW = timedelta(seconds=STS_CLOCK_SKEW_SECONDS)
MAX_EXPIRES = 900
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z", re.ASCII)
_URL_CHARS = re.compile(r"[\x21-\x7e]+", re.ASCII)


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    message: str


@dataclass
class TokenFields:
    """What the rules found in the token, as far as they got."""

    url: str | None = None
    host: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    signing_time: datetime | None = None
    signed_headers: tuple[str, ...] = ()
    session_token_present: bool = False


def run_rules(
    token: str,
    now: datetime,
    partition: str,
    fail: Callable[[str, str], None],
    extra_regions: Iterable[str] = (),
) -> TokenFields:
    """Check in the cluster's order; ``fail`` raises (verify) or records (decode).

    When a rule leaves nothing for the later ones to look at, checking stops.
    """
    if now.tzinfo is None:
        raise InvalidInputError("now must be timezone-aware", option="now")
    host_pattern = sts_host_pattern(partition, extra_regions)
    found = TokenFields()
    length = token_length(token)
    if length > MAX_TOKEN_LENGTH:
        fail("length", f"the token is {length} bytes; the cluster accepts at most 4096")
    if token.startswith(TOKEN_PREFIX) and not token.isascii():
        # Non-UTF-8 argv and stdin arrive as lone surrogates: never encode them strictly.
        fail("base64", "the token body has characters that are not ASCII: it is not base64")
        return found
    try:
        url = decode_token(token)
    except TokenValidationError as exc:
        fail(exc.rule, exc.message)
        return found
    parts = _split_url(url, fail)
    if parts is None:
        return found
    found.url = url
    if parts.scheme != "https":
        fail("scheme", f"the URL's scheme is {parts.scheme!r}, not https")
    host_match = host_pattern.fullmatch(parts.netloc)
    if host_match is None:
        fail("host", f"{_shown(parts.netloc)} is not an STS host of partition {partition}")
    else:
        found.host = parts.netloc
        found.region = host_match.group("region") or "us-east-1"
    if parts.path != "/":
        fail("path", f"the URL's path is {_shown(parts.path)}, not '/'")
    params = _parse_query(parts.query, fail)
    if params is None:
        return found
    lowered = _check_names(params, fail)
    _read_fields(lowered, found)
    if "x-amz-credential" in lowered and not _credential_scope_ok(lowered["x-amz-credential"]):
        # Stricter than the cluster, which leaves this to STS: a region such as
        # "us-west-2\n" or one written with other digits never makes a valid token.
        fail(
            "parameter",
            "X-Amz-Credential is not ACCESS_KEY_ID/yyyymmdd/REGION/sts/aws4_request in ASCII",
        )
    if lowered.get("action") != "GetCallerIdentity":
        fail("action", "the presigned action is not GetCallerIdentity")
    if CLUSTER_ID_HEADER not in (h.lower() for h in found.signed_headers):
        fail("signed-headers", f"the {CLUSTER_ID_HEADER} header (the cluster id) is not signed")
    expires = lowered.get("x-amz-expires", "")
    # Leading zeros are read as the cluster reads them; a huge number is never converted.
    significant = expires.lstrip("0")
    if not (
        expires.isascii()
        and expires.isdigit()
        and len(significant) <= 3
        and int(significant or "0") <= MAX_EXPIRES
    ):
        fail("expires", "X-Amz-Expires must be a whole number from 0 to 900")
    _check_date(lowered.get("x-amz-date"), now, found, fail)
    return found


def _split_url(url: str, fail: Callable[[str, str], None]) -> SplitResult | None:
    if not _URL_CHARS.fullmatch(url):
        fail("url", "the decoded token is not a URL (spaces, control or non-ASCII characters)")
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        fail("url", "the decoded token is not a URL")
        return None
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in url:
        fail("url", "the decoded token is not an absolute URL without a fragment")
        return None
    return parts


def _parse_query(query: str, fail: Callable[[str, str], None]) -> list[tuple[str, str]] | None:
    if ";" in query:
        fail("query", "the query contains ';'")
        return None
    if _BAD_ESCAPE.search(query):
        fail("query", "the query contains a bad %-escape")
        return None
    params: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        try:
            params.append((_unescape(name), _unescape(value)))
        except UnicodeDecodeError:
            fail("query", "the query's %-escapes are not UTF-8")
            return None
    return params


def _unescape(text: str) -> str:
    return unquote_plus(text, encoding="utf-8", errors="strict")


def _check_names(params: list[tuple[str, str]], fail: Callable[[str, str], None]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for name, value in params:
        key = name.lower()
        if key in lowered:
            fail("duplicate-parameter", f"the query repeats the parameter {_shown(key)}")
            continue
        if key not in ALLOWED_PARAMETERS:
            fail("parameter", f"the query has the parameter {_shown(name)}, which is not allowed")
            continue
        lowered[key] = value
    return lowered


def _read_fields(lowered: dict[str, str], found: TokenFields) -> None:
    credential = lowered.get("x-amz-credential", "").split("/")
    found.access_key_id = credential[0] or None
    if len(credential) == 5 and credential[2]:
        found.region = credential[2]
    headers = lowered.get("x-amz-signedheaders", "")
    found.signed_headers = tuple(h for h in headers.split(";") if h)
    found.session_token_present = bool(lowered.get("x-amz-security-token"))


def _credential_scope_ok(credential: str) -> bool:
    parts = credential.split("/")
    if len(parts) != 5 or parts[3:] != ["sts", "aws4_request"]:
        return False
    access_key_id, day, region = parts[:3]
    if not (access_key_id.isascii() and access_key_id.isalnum()):
        return False
    if not (len(day) == 8 and day.isascii() and day.isdigit()):
        return False
    try:
        validate_region(region)
    except InvalidInputError:
        return False
    return True


def _check_date(
    raw: str | None, now: datetime, found: TokenFields, fail: Callable[[str, str], None]
) -> None:
    if raw is None:
        fail("date", "X-Amz-Date is missing")
        return
    signed: datetime | None = None
    if _AMZ_DATE.fullmatch(raw):
        try:
            signed = datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            signed = None
    if signed is None:
        fail("date", "X-Amz-Date is not a time of the form yyyymmddThhmmssZ")
        return
    found.signing_time = signed
    if now > signed + PRESIGN_VALIDITY:
        minutes = int((now - signed).total_seconds() // 60)
        fail("expired", f"the token was signed {minutes} minutes ago; STS accepts it for 15")
    elif signed > now + SIGNING_SKEW:
        # Not a rule of the cluster's own: STS refuses such a request ("not yet current").
        minutes = int((signed - now).total_seconds() // 60)
        fail(
            "future",
            f"the token was signed {minutes} minutes after this machine's time; STS refuses "
            f"a request signed more than {int(SIGNING_SKEW.total_seconds() // 60)} minutes "
            "ahead of its clock",
        )


def _shown(value: str, limit: int = 80) -> str:
    """A value from the token, quoted and cut short for a message."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def token_length(token: str) -> int:
    """The token's length in bytes as it travels (lone surrogates count, and never raise)."""
    return len(token.encode("utf-8", "surrogatepass"))


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
