"""Server-side verification: the static rules, then STS GetCallerIdentity (protocol §5).

This is what the cluster's authenticator does with a bearer token. The STS
call goes through requests (imported on first use) with a timeout, no
redirects, ``Accept: application/json`` and the *server's* cluster id in
``x-k8s-aws-id``: STS checks the signature, so a token signed for another
cluster fails there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from eks_token.clock import utc_now
from eks_token.cluster.identity import Identity, identity_from_caller
from eks_token.cluster.token_rules import CheckedToken, check_token
from eks_token.core.endpoints import validate_endpoint_url
from eks_token.core.inputs import validate_cluster_id
from eks_token.core.sigv4 import CLUSTER_ID_HEADER
from eks_token.errors import (
    InvalidInputError,
    StsError,
    StsRejectedError,
    StsThrottledError,
    StsUnreachableError,
)
from eks_token.exec_plugin.exec_info import parse_json
from eks_token.net.http import request_failure_reason
from eks_token.redact import redact

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_STS_TIMEOUT",
    "MAX_STS_TIMEOUT",
    "StsAnswer",
    "StsRejectedError",
    "StsThrottledError",
    "TokenVerifier",
    "call_sts",
    "sts_server_date",
    "verify_token",
]

DEFAULT_STS_TIMEOUT = 10.0
#: Longer waits are mistakes (and ``inf`` or ``1e308`` do not fit a socket timeout).
MAX_STS_TIMEOUT = 3600.0
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class StsAnswer:
    """A successful GetCallerIdentity: the identity and STS's clock (its ``Date`` header)."""

    identity: Identity
    server_date: datetime | None
    request_id: str | None = None


def sts_server_date(exc: BaseException) -> datetime | None:
    """STS's clock when it answered with an error, if the error carries it."""
    if isinstance(exc, (StsRejectedError, StsThrottledError)):
        return exc.server_date
    return None


def call_sts(
    checked: CheckedToken,
    cluster_id: str,
    *,
    sts_endpoint_url: str | None = None,
    timeout: float = DEFAULT_STS_TIMEOUT,
    session: requests.Session | None = None,
) -> StsAnswer:
    """GET the presigned URL (or the same path and query at ``sts_endpoint_url``)."""
    import requests

    validate_cluster_id(cluster_id)
    url = checked.url
    headers = {CLUSTER_ID_HEADER: cluster_id, "Accept": "application/json"}
    if sts_endpoint_url:
        url = _redirected_url(checked.url, sts_endpoint_url)
        # The signature covers the token's host, so STS must see that host.
        headers["Host"] = checked.host
    http = session or requests.Session()
    try:
        response = http.get(url, headers=headers, timeout=timeout, allow_redirects=False)
        body = response.content
    except requests.RequestException as exc:
        where = urlsplit(url).netloc
        reason = request_failure_reason(exc)
        raise StsUnreachableError(f"STS at {where} could not be reached: {reason}") from exc
    finally:
        if session is None:
            http.close()
    server_date = _date_header(response.headers.get("Date"))
    if response.status_code != 200:
        raise _sts_failure(response.status_code, body, server_date, cluster_id)
    return _answer(body, checked, server_date)


class TokenVerifier:
    """Verify bearer tokens for one cluster, as its authenticator does.

    Tokens are sent only to STS hosts of ``partition``'s regions (as botocore's
    endpoint data lists them) and of ``extra_regions``, for a region newer than
    the installed data.
    """

    def __init__(
        self,
        cluster_id: str,
        *,
        partition: str = "aws",
        sts_endpoint_url: str | None = None,
        timeout: float = DEFAULT_STS_TIMEOUT,
        session: requests.Session | None = None,
        extra_regions: Iterable[str] = (),
    ) -> None:
        from eks_token.cluster.token_rules import sts_host_pattern

        self.cluster_id = validate_cluster_id(cluster_id)
        self.extra_regions = tuple(extra_regions)
        # Rejects an unknown partition or a malformed extra region now, not per token.
        sts_host_pattern(partition, self.extra_regions)
        if sts_endpoint_url is not None:
            _check_base_url(sts_endpoint_url)
        if not 0 < timeout <= MAX_STS_TIMEOUT:  # also refuses nan
            raise InvalidInputError(
                f"the STS timeout must be more than 0 and at most {MAX_STS_TIMEOUT:g} seconds",
                option="timeout",
            )
        self.partition = partition
        self.sts_endpoint_url = sts_endpoint_url
        self.timeout = timeout
        self._session = session

    def check(self, token: str, *, now: datetime | None = None) -> CheckedToken:
        """Only the static rules (no network)."""
        return check_token(
            token, now=_now(now), partition=self.partition, extra_regions=self.extra_regions
        )

    def verify_details(self, token: str, *, now: datetime | None = None) -> StsAnswer:
        """The static rules, then STS; the first failure raises."""
        checked = self.check(token, now=now)
        return call_sts(
            checked,
            self.cluster_id,
            sts_endpoint_url=self.sts_endpoint_url,
            timeout=self.timeout,
            session=self._session,
        )

    def verify(self, token: str, *, now: datetime | None = None) -> Identity:
        """The identity the token proves; raises the error of the first failed check."""
        return self.verify_details(token, now=now).identity


def verify_token(
    token: str,
    cluster_id: str,
    *,
    partition: str = "aws",
    sts_endpoint_url: str | None = None,
    timeout: float = DEFAULT_STS_TIMEOUT,
    now: datetime | None = None,
    extra_regions: Iterable[str] = (),
) -> Identity:
    """Verify ``token`` for ``cluster_id`` as the cluster would; see :class:`TokenVerifier`."""
    verifier = TokenVerifier(
        cluster_id,
        partition=partition,
        sts_endpoint_url=sts_endpoint_url,
        timeout=timeout,
        extra_regions=extra_regions,
    )
    return verifier.verify(token, now=now)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utc_now()


def _check_base_url(base: str) -> None:
    parts = validate_endpoint_url(base, what="the STS endpoint URL", option="sts_endpoint_url")
    if parts.query:
        raise InvalidInputError(
            f"the STS endpoint URL must be http(s)://HOST[:PORT][/PATH], not {base!r}",
            option="sts_endpoint_url",
        )


def _redirected_url(token_url: str, base: str) -> str:
    _check_base_url(base)
    token_parts = urlsplit(token_url)
    base_parts = urlsplit(base)
    path = base_parts.path.rstrip("/") + token_parts.path
    return f"{base_parts.scheme}://{base_parts.netloc}{path}?{token_parts.query}"


def _date_header(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _about_time(message: str | None) -> bool:
    """STS's SignatureDoesNotMatch says so when the signing time is out of its window."""
    if not message:
        return False
    return "expired" in message.lower() or "not yet current" in message


def _error_fields(body: bytes) -> tuple[str | None, str | None]:
    """STS's error code and message, from a JSON or XML error body."""
    text = body.decode("utf-8", errors="replace")
    try:
        document = parse_json(text)
    except ValueError:
        code = re.search(r"<Code>([^<]{1,100})</Code>", text)
        message = re.search(r"<Message>([^<]{0,1000})</Message>", text)
        return (code.group(1) if code else None, message.group(1) if message else None)
    error = document.get("Error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("Code"), error.get("Message")
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
    )


def _sts_failure(
    status: int, body: bytes, server_date: datetime | None, cluster_id: str
) -> StsError:
    code, message = _error_fields(body)
    detail = f"{code}: {message}" if code and message else code or message or "no details"
    if code == "SignatureDoesNotMatch" and not _about_time(message):
        # The cluster id is a signed header: its value is in the signature, not the token.
        detail = (
            f"{code}: the token was signed for a cluster id other than {cluster_id!r}, or "
            "altered after signing (the cluster id is signed into the token, not written in "
            f"it: make the token with -i / --cluster-name {cluster_id})"
        )
    # Redacted before it is cut short, so no part of a secret survives the cut.
    detail = " ".join(redact(detail).split())[:_MESSAGE_LIMIT]
    if b"Throttling" in body:
        return StsThrottledError(
            f"STS throttled GetCallerIdentity (HTTP {status}): {detail}",
            status=status,
            code=code or "Throttling",
            server_date=server_date,
        )
    if 300 <= status < 400:
        detail = "a redirect, which is not followed"
    return StsRejectedError(
        f"STS rejected the token (HTTP {status}): {detail}",
        status=status,
        code=code,
        server_date=server_date,
    )


def _answer(body: bytes, checked: CheckedToken, server_date: datetime | None) -> StsAnswer:
    try:
        document: Any = parse_json(body)
        response = document["GetCallerIdentityResponse"]
        result = response["GetCallerIdentityResult"]
        arn, account, user_id = result["Arn"], result["Account"], result["UserId"]
        request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StsError(
            "STS answered 200 without a GetCallerIdentity result in JSON",
            status=200,
            code="MalformedResponse",
        ) from exc
    if not all(isinstance(v, str) for v in (arn, account, user_id)):
        raise StsError("STS answered a malformed identity", status=200, code="MalformedResponse")
    identity = identity_from_caller(
        arn=arn,
        account_id=account,
        user_id=user_id,
        access_key_id=checked.access_key_id,
        sts_host=checked.host,
    )
    return StsAnswer(identity, server_date, request_id if isinstance(request_id, str) else None)
