"""A local STS that answers presigned GetCallerIdentity requests and really checks SigV4."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from xml.sax.saxutils import escape

import botocore.session

from .local_server import LocalServer, RecordedRequest, Response, Tls, utc_now
from .sigv4_check import AMZ_DATE_FORMAT, PRESIGN_VALIDITY, CheckResult, Reason, check_query

ACCOUNT = "111122223333"
EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."
PARTITION_SUFFIXES = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
}


@functools.cache
def default_hosts() -> tuple[str, ...]:
    """`sts.amazonaws.com` and every regional STS host botocore knows in aws, aws-cn, aws-us-gov."""
    session = botocore.session.get_session()
    hosts = ["sts.amazonaws.com"]
    for partition, suffix in PARTITION_SUFFIXES.items():
        regions = session.get_available_regions("sts", partition_name=partition)
        hosts.extend(f"sts.{region}.{suffix}" for region in regions)
    return tuple(hosts)


@dataclass(frozen=True)
class StsIdentity:
    """What GetCallerIdentity answers for one access key."""

    arn: str
    user_id: str
    secret_access_key: str
    session_token: str | None = None

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]


ALICE_USER = StsIdentity(
    f"arn:aws:iam::{ACCOUNT}:user/alice", "AIDAJQABLZS4A3QDU576Q", EXAMPLE_SECRET_ACCESS_KEY
)
ADMIN_ROLE_SESSION = StsIdentity(
    f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice@example.com",
    "AROAEXAMPLEID:alice@example.com",
    "roleSecretKeyEXAMPLE/K7MDENG/bPxRfiCYEXAMPLE",
    "FwoGZXIvYXdzEXAMPLEroleSessionToken//////////example==",
)
BOB_FEDERATED = StsIdentity(
    f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
    f"{ACCOUNT}:bob",
    "fedSecretKeyEXAMPLE/K7MDENG/bPxRfiCYEXAMPLE",
    "FwoGZXIvYXdzEXAMPLEfederationToken+example",
)
ROOT = StsIdentity(
    f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
)
DEFAULT_IDENTITIES: Mapping[str, StsIdentity] = {
    EXAMPLE_ACCESS_KEY_ID: ALICE_USER,
    "ASIAROLEEXAMPLE00001": ADMIN_ROLE_SESSION,
    "ASIAFEDERATEDEXAMPLE": BOB_FEDERATED,
    "AKIAI44QH8DHBEXAMPLE": ROOT,
}


class StsStandin(LocalServer):
    """Plays the STS hosts in `hosts`; a request is checked as signed for its Host header
    if that is one of them, else for each of them and for the Host header itself."""

    def __init__(
        self,
        identities: Mapping[str, StsIdentity] = DEFAULT_IDENTITIES,
        *,
        hosts: Iterable[str] | None = None,
        https: bool = False,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.hosts = default_hosts() if hosts is None else tuple(hosts)
        super().__init__(tls=Tls(self.hosts) if https else None, now=now)
        self.identities = dict(identities)
        self.throttle = False
        self.checks: list[CheckResult] = []
        self._request_ids = itertools.count(1)

    def check(self, request: RecordedRequest) -> CheckResult:
        keys = {key: identity.secret_access_key for key, identity in self.identities.items()}
        tokens = {k: i.session_token for k, i in self.identities.items() if i.session_token}
        host = request.header("host") or self.netloc
        candidates = [host] if host in self.hosts else [host, *self.hosts]
        result = CheckResult(Reason.SIGNATURE_MISMATCH)
        for signed_host in candidates:
            result = check_query(
                request.query,
                cluster_id=request.header("x-k8s-aws-id"),
                keys=keys,
                now=self.now(),
                signed_host=signed_host,
                session_tokens=tokens,
                max_skew=PRESIGN_VALIDITY,
                require_cluster_id=False,
            )
            if result.reason is not Reason.SIGNATURE_MISMATCH:
                break
        with self._lock:
            self.checks.append(result)
        return result

    def respond(self, request: RecordedRequest) -> Response:
        as_json = "application/json" in (request.header("accept") or "")
        request_id = f"c0ffee00-0000-4000-8000-{next(self._request_ids):012d}"
        if self.throttle:
            return _error(400, "Throttling", "Rate exceeded", request_id, as_json)
        if request.method != "GET" or request.path != "/":
            return _error(
                400, "InvalidAction", "Only presigned GET / is served", request_id, as_json
            )
        result = self.check(request)
        if result.reason is not None:
            status, code, message = self._failure(result)
            return _error(status, code, message, request_id, as_json)
        identity = self.identities[result.access_key_id or ""]
        return _success(identity, request_id, as_json)

    def _failure(self, result: CheckResult) -> tuple[int, str, str]:
        now = self.now().astimezone(timezone.utc)
        signed = result.signing_time.strftime(AMZ_DATE_FORMAT) if result.signing_time else ""
        stamp = now.strftime(AMZ_DATE_FORMAT)
        if result.reason is Reason.EXPIRED:
            earliest = (now - PRESIGN_VALIDITY).strftime(AMZ_DATE_FORMAT)
            message = (
                f"Signature expired: {signed} is now earlier than {earliest} ({stamp} - 15 min.)"
            )
            return 403, "SignatureDoesNotMatch", message
        if result.reason is Reason.NOT_YET_VALID:
            latest = (now + PRESIGN_VALIDITY).strftime(AMZ_DATE_FORMAT)
            message = (
                f"Signature not yet current: {signed} is still later than {latest}"
                f" ({stamp} + 15 min.)"
            )
            return 403, "SignatureDoesNotMatch", message
        if result.reason in (Reason.UNKNOWN_ACCESS_KEY, Reason.SESSION_TOKEN_MISMATCH):
            return 403, "InvalidClientTokenId", INVALID_TOKEN_MESSAGE
        if result.reason in (Reason.SIGNATURE_MISMATCH, Reason.UNSUPPORTED_SIGNED_HEADER):
            return 403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH_MESSAGE
        if result.reason is Reason.BAD_ACTION:
            return 400, "InvalidAction", "Could not find operation for this request"
        if result.reason in (Reason.MISSING_PARAMETER, Reason.BAD_CREDENTIAL_SCOPE):
            return 403, "IncompleteSignature", f"Request is not properly signed: {result.reason}"
        return 400, "MalformedQueryString", f"Malformed query: {result.reason}"


def _success(identity: StsIdentity, request_id: str, as_json: bool) -> Response:
    if as_json:
        payload = {
            "GetCallerIdentityResponse": {
                "GetCallerIdentityResult": {
                    "Account": identity.account,
                    "Arn": identity.arn,
                    "UserId": identity.user_id,
                },
                "ResponseMetadata": {"RequestId": request_id},
            }
        }
        return Response.json(200, payload)
    body = (
        f'<GetCallerIdentityResponse xmlns="{STS_XMLNS}">\n  <GetCallerIdentityResult>\n'
        f"    <Arn>{escape(identity.arn)}</Arn>\n    <UserId>{escape(identity.user_id)}</UserId>\n"
        f"    <Account>{identity.account}</Account>\n  </GetCallerIdentityResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        f"  </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
    )
    return Response(200, body.encode(), [("Content-Type", "text/xml")])


def _error(status: int, code: str, message: str, request_id: str, as_json: bool) -> Response:
    if as_json:
        error = {"Code": code, "Message": message, "Type": "Sender"}
        return Response.json(status, {"Error": error, "RequestId": request_id})
    body = (
        f'<ErrorResponse xmlns="{STS_XMLNS}">\n  <Error>\n    <Type>Sender</Type>\n'
        f"    <Code>{code}</Code>\n    <Message>{escape(message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    )
    return Response(status, body.encode(), [("Content-Type", "text/xml")])
