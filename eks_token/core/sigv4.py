"""SigV4 query-string presigning of STS GetCallerIdentity, as the token carries it.

The query is emitted in the order botocore uses (operation parameters, then
the auth parameters, the session token after the signed headers, the signature
last), so tokens are byte-identical to ``aws eks get-token``'s.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

from eks_token.core.credentials import AwsCredentials

__all__ = ["CLUSTER_ID_HEADER", "presign_get_caller_identity"]

CLUSTER_ID_HEADER = "x-k8s-aws-id"
ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sts"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
DEFAULT_PORTS = {"https": 443, "http": 80}


def presign_get_caller_identity(
    *,
    endpoint_url: str,
    signing_region: str,
    credentials: AwsCredentials,
    cluster_id: str,
    now: datetime,
    expires: int = 60,
) -> str:
    """Return the presigned GetCallerIdentity URL with ``x-k8s-aws-id`` signed."""
    parts = urlsplit(endpoint_url)
    path = parts.path or "/"
    host = _canonical_host(parts.scheme, parts.hostname or "", parts.port)
    moment = now.astimezone(timezone.utc)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{moment.strftime('%Y%m%d')}/{signing_region}/{SERVICE}/aws4_request"
    signed_headers = f"host;{CLUSTER_ID_HEADER}"
    params = [
        ("Action", "GetCallerIdentity"),
        ("Version", "2011-06-15"),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", signed_headers),
    ]
    if credentials.session_token:
        params.append(("X-Amz-Security-Token", credentials.session_token))
    encoded = [(_encode(k), _encode(v)) for k, v in params]
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted(encoded))
    canonical_headers = f"host:{host}\n{CLUSTER_ID_HEADER}:{' '.join(cluster_id.split())}\n"
    canonical_request = "\n".join(
        (
            "GET",
            quote(path, safe="/-_.~"),
            canonical_query,
            canonical_headers,
            signed_headers,
            EMPTY_PAYLOAD_SHA256,
        )
    )
    string_to_sign = "\n".join(
        (ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest())
    )
    key = _signing_key(credentials.secret_access_key, moment.strftime("%Y%m%d"), signing_region)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    query = "&".join(f"{k}={v}" for k, v in encoded)
    base = f"{parts.scheme}://{parts.netloc}{path}"
    return f"{base}?{query}&X-Amz-Signature={signature}"


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _canonical_host(scheme: str, hostname: str, port: int | None) -> str:
    if port is None or DEFAULT_PORTS.get(scheme) == port:
        return hostname
    return f"{hostname}:{port}"


def _signing_key(secret: str, date: str, region: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
