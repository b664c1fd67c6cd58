"""Credentials that end: refreshed early when they would end too soon to sign with, refused
with their cause when that gives nothing newer, and an AWS_CREDENTIAL_EXPIRATION botocore
cannot read caught before botocore trips over it.

botocore refreshes role, SSO, process, web-identity and container credentials by its own
clock, 15 (advisory) and 10 (mandatory) minutes before they end. A token is signed as of
``now``, which may differ (``--signing-time``, an injected clock): credentials that would
leave a token signed then less than :data:`~eks_token.core.signing.CREDENTIALS_MARGIN` are
refreshed at once here, whatever botocore's clock says.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource
from eks_token.core.signing import token_expiration
from eks_token.errors import CredentialsError, EksTokenError

if TYPE_CHECKING:
    from botocore.session import Session

__all__ = ["check_environment_expiration", "lasting_credentials", "lasts", "refresh_now"]


def lasts(credentials: AwsCredentials, now: datetime) -> bool:
    """True when a token signed at ``now`` with ``credentials`` has some lifetime left."""
    signed_at = now.replace(microsecond=0)
    return token_expiration(signed_at, credentials.expiry) > signed_at


def lasting_credentials(
    source: FrozenCredentialSource,
    now: datetime,
    *,
    static: AwsCredentials | None = None,
    role_arn: str | None = None,
    session: Session | None = None,
    profile: str | None = None,
) -> AwsCredentials:
    """The source's credentials (``static``: fixed ones), good for a token signed at ``now``."""
    from eks_token.aws import session as aws

    if static is not None:
        credentials = static
    else:
        credentials = aws.freeze(source, role_arn=role_arn, session=session, profile=profile)
    if credentials.expiry is None or lasts(credentials, now):
        return credentials
    if static is None:
        renewed = refresh_now(source, role_arn=role_arn, session=session, profile=profile)
        if renewed is not None and renewed.expiry is not None:
            credentials = renewed
        if renewed is not None and lasts(renewed, now):
            return renewed
    from eks_token.aws.failure_text import expired_credentials_error

    assert credentials.expiry is not None
    raise expired_credentials_error(
        aws.credential_method(source),
        credentials.expiry,
        now,
        profile=profile or getattr(session, "profile", None),
    )


def refresh_now(
    source: FrozenCredentialSource,
    *,
    role_arn: str | None = None,
    session: Session | None = None,
    profile: str | None = None,
) -> AwsCredentials | None:
    """Refresh botocore's refreshable credentials at once, whatever botocore's own clock
    says, and freeze them; None for credentials botocore cannot refresh."""
    from eks_token.aws import session as aws

    refresh = getattr(source, "_protected_refresh", None)
    lock = getattr(source, "_refresh_lock", None)
    if refresh is None or lock is None:
        return None
    try:
        with lock:
            refresh(is_mandatory=True)
    except EksTokenError:
        raise
    except RuntimeError:
        pass  # still expired: freeze reports it with the expiry
    except Exception as exc:
        mapped = aws.failure(exc, session, role_arn=role_arn, profile=profile)
        if mapped is None:
            raise
        raise mapped from exc
    return aws.freeze(source, role_arn=role_arn, session=session, profile=profile)


def check_environment_expiration(session: Session) -> None:
    """Refuse an AWS_CREDENTIAL_EXPIRATION that botocore would trip over, before it does.

    botocore reads it with dateutil's lenient parser when it uses the environment's
    credentials (no profile given to the session) and fails later, and obscurely, on
    text that parser cannot read or on a time without a zone.
    """
    text = os.environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if not text or not os.environ.get("AWS_ACCESS_KEY_ID"):
        return
    if session.instance_variables().get("profile") is not None:
        return
    import warnings

    from dateutil.parser import parse

    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            moment = parse(text)
    except (ValueError, OverflowError) as exc:
        raise CredentialsError(
            f"AWS_CREDENTIAL_EXPIRATION is not a time: {shown!r}; set it to when the "
            "credentials in AWS_ACCESS_KEY_ID/... expire, such as 2026-11-29T23:44:00Z, or "
            "unset it"
        ) from exc
    if moment.tzinfo is None:
        raise CredentialsError(
            f"AWS_CREDENTIAL_EXPIRATION has no time zone: {shown!r}; write it in UTC with a "
            "Z (2026-11-29T23:44:00Z) or with an offset"
        )
