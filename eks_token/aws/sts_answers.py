"""STS's answers, checked before botocore parses them.

Something that is not STS can answer in its place: a captive portal's login page, a proxy's
redirect, an empty or cut-off body. And STS's own answer can be odd: no ``Credentials``, an
``Expiration`` that is not a date, a control character in a key. botocore meets each with a
different exception from deep inside its parser or its credential fetcher; here each becomes
one line naming the cause, raised from botocore's ``before-parse`` event for STS. Secrets in
the answer are never repeated: only element names, the status and the content type are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from eks_token.errors import CredentialsError, EksTokenError, RoleAssumptionError

__all__ = ["install_sts_answer_check", "sts_answer_problem"]

_EVENT = "before-parse.sts"
_UNIQUE_ID = "eks-token-sts-answer-check"
_CREDENTIAL_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
#: What a key, secret or session token may hold: printable ASCII, no space.
_TOKEN_TEXT = re.compile(r"[\x21-\x7e]+")
#: A control character XML 1.0 does not allow, raw or as a character reference.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});")
_OPEN_TAG = re.compile(rb"<([A-Za-z_][\w.-]*)[^<>]*>")
_CREDENTIAL_OPERATIONS = frozenset(
    {
        "AssumeRole",
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
        "GetSessionToken",
        "GetFederationToken",
    }
)
_CHECK_AGAIN = (
    "run it again, and if it persists check the network's proxy and the STS endpoint "
    "(AWS_ENDPOINT_URL_STS, endpoint_url in the profile)"
)


def install_sts_answer_check(events: Any) -> None:
    """Check every STS answer that ``events`` (a botocore session or a client's
    ``meta.events``) sees before botocore parses it."""
    events.register(_EVENT, _check, unique_id=_UNIQUE_ID)


def _check(operation_model: Any, response_dict: Mapping[str, Any], **_: Any) -> None:
    operation = str(operation_model.name)
    problem = sts_answer_problem(
        operation,
        int(response_dict.get("status_code") or 0),
        response_dict.get("headers") or {},
        response_dict.get("body") or b"",
    )
    if problem is None:
        return
    message = f"STS {operation}: {problem}"
    error: EksTokenError = (
        RoleAssumptionError(message, code="MalformedAnswer")
        if operation.startswith("AssumeRole")
        else CredentialsError(message)
    )
    raise error


def sts_answer_problem(
    operation: str, status: int, headers: Mapping[str, str], body: bytes
) -> str | None:
    """What is wrong with an STS query-protocol answer (None: botocore may parse it).

    Error answers (4xx, 5xx) are botocore's to report; everything else must be STS's XML
    with the operation's result, and credentials that can be used."""
    if status >= 400:
        return None
    kind = _content_type(headers)
    if 300 <= status < 400:
        return (
            f"the endpoint answered a redirect (HTTP {status}){_location(headers)}, which is "
            "not followed: something between this machine and STS (a captive portal, a "
            "proxy) answered instead, or the endpoint URL is wrong; " + _CHECK_AGAIN
        )
    if not body.strip():
        return f"the answer was empty (HTTP {status}); {_CHECK_AGAIN}"
    problem = _xml_problem(operation, body)
    if problem is not None and _looks_like_html(kind, body):
        return (
            f"an HTML page came back (HTTP {status}, {kind or 'no content type'}), not STS's "
            "answer: something between this machine and STS (a captive portal, a proxy's "
            "login page) answered instead; log in to the network, or check the proxy and "
            "AWS_ENDPOINT_URL_STS"
        )
    if problem is not None and not body.lstrip().startswith(b"<"):
        problem = f"the answer is not XML (HTTP {status}, {kind or 'no content type'})"
    return None if problem is None else f"{problem}; {_CHECK_AGAIN}"


def _xml_problem(operation: str, body: bytes) -> str | None:
    position = _control_character(body)
    if position is not None:
        return f"the answer has a control character in {_element_at(body, position)}"
    if b"<!doctype" in body.lower():
        # STS never sends one; without a DTD there are no entities to expand.
        return "the answer has a DOCTYPE, which STS never sends"
    from xml.etree.ElementTree import Element, ParseError, fromstring

    try:
        root: Element = fromstring(body)  # noqa: S314 (no DTD: checked above)
    except ParseError as exc:
        return f"the answer is malformed XML ({exc})"
    result = _child(root, f"{operation}Result")
    if result is None:
        return f"the answer has no {operation}Result element (its root is {_local(root.tag)})"
    if operation not in _CREDENTIAL_OPERATIONS:
        return None
    credentials = _child(result, "Credentials")
    if credentials is None:
        return "the answer has no Credentials element"
    return _credentials_problem(credentials)


def _control_character(body: bytes) -> int | None:
    """Where the first control character XML 1.0 forbids is, raw or as a reference."""
    for found in _CONTROL.finditer(body):
        reference = found.group(1)
        if reference is None:
            return found.start()
        number = int(reference[1:], 16) if reference[:1] in b"xX" else int(reference)
        if number < 0x20 and number not in (0x9, 0xA, 0xD):
            return found.start()
    return None


def _credentials_problem(credentials: Any) -> str | None:
    for name in _CREDENTIAL_FIELDS:
        field = _child(credentials, name)
        text = (field.text or "").strip() if field is not None else ""
        if not text:
            return f"the answer's Credentials have no {name}"
        if name == "Expiration":
            if not _is_timestamp(text):
                return "the answer's Expiration is not a date"
        elif not _TOKEN_TEXT.fullmatch(text):
            return f"the answer's {name} holds a control character, a space or non-ASCII text"
    return None


def _is_timestamp(text: str) -> bool:
    from botocore.utils import parse_timestamp

    try:
        parse_timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _child(element: Any, name: str) -> Any:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _content_type(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return str(value).split(";", 1)[0].strip().lower()[:60]
    return ""


def _location(headers: Mapping[str, str]) -> str:
    """`` to https://host`` of a redirect (no path, query or user: they may carry secrets)."""
    for name, value in headers.items():
        if name.lower() == "location":
            parts = urlsplit(str(value))
            if parts.scheme and parts.hostname:
                return f" to {parts.scheme}://{parts.hostname}"
    return ""


def _looks_like_html(kind: str, body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return kind in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    )


def _element_at(body: bytes, position: int) -> str:
    """The element a position in the body is in (by the last opening tag before it)."""
    tags = _OPEN_TAG.findall(body[:position][-4096:])
    return tags[-1].decode("ascii", "replace") if tags else "the answer"
