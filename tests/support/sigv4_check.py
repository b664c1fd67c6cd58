"""An independent checker of presigned STS GetCallerIdentity URLs and `k8s-aws-v1.` tokens.

The signature is recomputed with botocore's own SigV4 signer, driven with the
time taken from `X-Amz-Date`, so nothing here depends on the wall clock.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from enum import Enum
from urllib.parse import unquote_plus, urlsplit

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TOKEN_PREFIX = "k8s-aws-v1."
MAX_TOKEN_LENGTH = 4096
PRESIGN_VALIDITY = timedelta(minutes=15)
DEFAULT_MAX_SKEW = timedelta(minutes=5)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

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
REQUIRED_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)

_DNS_SUFFIXES = (
    "amazonaws.com",
    "amazonaws.com.cn",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
    "amazonaws.eu",
    "api.aws",
    "api.amazonwebservices.com.cn",
)
_STS_HOST = re.compile(
    r"sts(-fips)?\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.("
    + "|".join(re.escape(s) for s in _DNS_SUFFIXES)
    + r")"
)
_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class Reason(str, Enum):
    """Why a token or presigned URL was rejected: one value per failed check."""

    TOO_LONG = "token too long"
    BAD_PREFIX = "bad prefix"
    BAD_BASE64 = "bad base64"
    BAD_URL = "bad url"
    NOT_HTTPS = "not https"
    NOT_STS_HOST = "not an sts host"
    BAD_PATH = "bad path"
    BAD_QUERY = "bad query"
    DUPLICATE_PARAMETER = "duplicate parameter"
    UNEXPECTED_PARAMETER = "unexpected parameter"
    MISSING_PARAMETER = "missing parameter"
    BAD_ACTION = "bad action"
    CLUSTER_ID_NOT_SIGNED = "x-k8s-aws-id not signed"
    BAD_EXPIRES = "bad expires"
    BAD_DATE = "bad date"
    EXPIRED = "expired"
    NOT_YET_VALID = "signed in the future"
    BAD_ALGORITHM = "bad algorithm"
    BAD_CREDENTIAL_SCOPE = "bad credential scope"
    UNKNOWN_ACCESS_KEY = "unknown access key"
    SESSION_TOKEN_MISMATCH = "session token mismatch"
    UNSUPPORTED_SIGNED_HEADER = "unsupported signed header"
    SIGNATURE_MISMATCH = "signature mismatch"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check; `reason` is None exactly when the signature verified."""

    reason: Reason | None
    url: str | None = None
    host: str | None = None
    access_key_id: str | None = None
    region: str | None = None
    service: str | None = None
    signing_time: datetime | None = None
    session_token: str | None = None
    cluster_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def is_sts_host(host: str) -> bool:
    """True for `sts.amazonaws.com` and `sts[-fips].<region>.<partition suffix>`."""
    return host == "sts.amazonaws.com" or _STS_HOST.fullmatch(host) is not None


def decode_token(token: str) -> str | CheckResult:
    """The presigned URL inside a token, or a failed CheckResult."""
    if len(token) > MAX_TOKEN_LENGTH:
        return CheckResult(Reason.TOO_LONG)
    if not token.startswith(TOKEN_PREFIX):
        return CheckResult(Reason.BAD_PREFIX)
    body = token[len(TOKEN_PREFIX) :]
    if "=" in body or not re.fullmatch(r"[A-Za-z0-9_-]*", body):
        return CheckResult(Reason.BAD_BASE64)
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return CheckResult(Reason.BAD_BASE64)


def check_token(
    token: str,
    *,
    cluster_id: str,
    keys: Mapping[str, str],
    now: datetime,
    session_tokens: Mapping[str, str] | None = None,
    signed_host: str | None = None,
    host_allowed: Callable[[str], bool] = is_sts_host,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
) -> CheckResult:
    """Check a `k8s-aws-v1.` token as a cluster authenticator would, then its signature.

    `keys` maps access key ids to secrets; `session_tokens`, when given, maps access key ids
    to the X-Amz-Security-Token they must carry (a key not in it must carry none).
    """
    url = decode_token(token)
    if isinstance(url, CheckResult):
        return url
    return check_url(
        url,
        cluster_id=cluster_id,
        keys=keys,
        now=now,
        session_tokens=session_tokens,
        signed_host=signed_host,
        host_allowed=host_allowed,
        max_skew=max_skew,
    )


def check_url(
    url: str,
    *,
    cluster_id: str,
    keys: Mapping[str, str],
    now: datetime,
    session_tokens: Mapping[str, str] | None = None,
    signed_host: str | None = None,
    host_allowed: Callable[[str], bool] = is_sts_host,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
) -> CheckResult:
    """Check a presigned GetCallerIdentity URL; `signed_host` defaults to the URL's host."""
    try:
        parts = urlsplit(url)
        host = parts.netloc
    except ValueError:
        return CheckResult(Reason.BAD_URL, url=url)
    if not host or parts.fragment:
        return CheckResult(Reason.BAD_URL, url=url)
    if parts.scheme != "https":
        return CheckResult(Reason.NOT_HTTPS, url=url, host=host)
    if not host_allowed(host):
        return CheckResult(Reason.NOT_STS_HOST, url=url, host=host)
    if parts.path != "/":
        return CheckResult(Reason.BAD_PATH, url=url, host=host)
    result = check_query(
        parts.query,
        cluster_id=cluster_id,
        keys=keys,
        now=now,
        signed_host=signed_host or host,
        session_tokens=session_tokens,
        max_skew=max_skew,
    )
    return replace(result, url=url, host=host)


def parse_query(query: str) -> list[tuple[str, str]] | None:
    """Strict parse: every pair has `=`, no `;`, every `%` is a valid escape."""
    if not query or ";" in query or _PERCENT_ESCAPE.search(query):
        return None
    pairs = []
    for item in query.split("&"):
        name, eq, value = item.partition("=")
        if not eq or not name:
            return None
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def check_query(
    query: str,
    *,
    cluster_id: str | None,
    keys: Mapping[str, str],
    now: datetime,
    signed_host: str,
    session_tokens: Mapping[str, str] | None = None,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    require_cluster_id: bool = True,
) -> CheckResult:
    """Check the query of a presigned request as received at `signed_host`.

    `cluster_id` is the `x-k8s-aws-id` header value the request carries (None: absent).
    STS itself does not insist that header is signed: pass `require_cluster_id=False`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    pairs = parse_query(query)
    if pairs is None:
        return CheckResult(Reason.BAD_QUERY)
    lowered = [name.lower() for name, _ in pairs]
    if len(set(lowered)) != len(lowered):
        return CheckResult(Reason.DUPLICATE_PARAMETER)
    if any(name not in ALLOWED_PARAMETERS for name in lowered):
        return CheckResult(Reason.UNEXPECTED_PARAMETER)
    params = dict(pairs)
    if params.get("Action") != "GetCallerIdentity":
        return CheckResult(Reason.BAD_ACTION)
    if any(name not in params for name in REQUIRED_PARAMETERS):
        return CheckResult(Reason.MISSING_PARAMETER)
    signed_headers = params["X-Amz-SignedHeaders"].lower().split(";")
    if require_cluster_id and "x-k8s-aws-id" not in signed_headers:
        return CheckResult(Reason.CLUSTER_ID_NOT_SIGNED)
    expires = params.get("X-Amz-Expires", "0")
    if not expires.isdigit() or int(expires) > 900:
        return CheckResult(Reason.BAD_EXPIRES)
    try:
        signed_at = datetime.strptime(params["X-Amz-Date"], AMZ_DATE_FORMAT)
    except ValueError:
        return CheckResult(Reason.BAD_DATE)
    signed_at = signed_at.replace(tzinfo=timezone.utc)
    scope = params["X-Amz-Credential"].split("/")
    found = CheckResult(
        None,
        access_key_id=scope[0],
        region=scope[2] if len(scope) == 5 else None,
        service=scope[3] if len(scope) == 5 else None,
        signing_time=signed_at,
        session_token=params.get("X-Amz-Security-Token"),
        cluster_id=cluster_id,
    )
    if now > signed_at + PRESIGN_VALIDITY:
        return replace(found, reason=Reason.EXPIRED)
    if signed_at > now + max_skew:
        return replace(found, reason=Reason.NOT_YET_VALID)
    if params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        return replace(found, reason=Reason.BAD_ALGORITHM)
    if (
        len(scope) != 5
        or scope[1] != params["X-Amz-Date"][:8]
        or scope[3] != "sts"
        or scope[4] != "aws4_request"
    ):
        return replace(found, reason=Reason.BAD_CREDENTIAL_SCOPE)
    secret = keys.get(scope[0])
    if secret is None:
        return replace(found, reason=Reason.UNKNOWN_ACCESS_KEY)
    if session_tokens is not None and session_tokens.get(scope[0]) != found.session_token:
        return replace(found, reason=Reason.SESSION_TOKEN_MISMATCH)
    if set(signed_headers) - {"host", "x-k8s-aws-id"} or "host" not in signed_headers:
        return replace(found, reason=Reason.UNSUPPORTED_SIGNED_HEADER)
    if "x-k8s-aws-id" in signed_headers and cluster_id is None:
        return replace(found, reason=Reason.SIGNATURE_MISMATCH)
    expected = botocore_signature(
        [(k, v) for k, v in pairs if k != "X-Amz-Signature"],
        access_key_id=scope[0],
        secret_access_key=secret,
        region=scope[2],
        amz_date=params["X-Amz-Date"],
        host=signed_host,
        cluster_id=cluster_id if "x-k8s-aws-id" in signed_headers else None,
    )
    if not hmac.compare_digest(expected.encode(), params["X-Amz-Signature"].encode()):
        return replace(found, reason=Reason.SIGNATURE_MISMATCH)
    return found


def botocore_signature(
    params: list[tuple[str, str]],
    *,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    amz_date: str,
    host: str,
    cluster_id: str | None,
) -> str:
    """The SigV4 signature botocore computes for `GET https://host/?params` at `amz_date`,
    with `x-k8s-aws-id: cluster_id` as a signed header unless cluster_id is None."""
    signer = SigV4QueryAuth(Credentials(access_key_id, secret_access_key), "sts", region)
    headers = {"host": host}
    if cluster_id is not None:
        headers["x-k8s-aws-id"] = cluster_id
    request = AWSRequest(method="GET", url=f"https://{host}/", params=params, headers=headers)
    request.context["timestamp"] = amz_date
    canonical_request = signer.canonical_request(request)
    signature: str = signer.signature(signer.string_to_sign(request, canonical_request), request)
    return signature
