"""The wording credential failures share: where credentials came from, when they end, the
SSO and no-credentials messages, and how a message quotes what a credential source printed."""

from __future__ import annotations

import os
from datetime import datetime

from eks_token.errors import CredentialsError
from eks_token.redact import redact

__all__ = [
    "config_parse_error",
    "expired_credentials_error",
    "last_line",
    "no_credentials_error",
    "quoted_output",
    "sso_login_error",
    "stamp",
    "where",
]

_MAX_QUOTED = 200


def quoted_output(text: str) -> str:
    """What a credential source printed, as a message quotes it: redacted as another
    program's output (before it is cut short, so no part of a secret survives the cut),
    on one line of at most 200 characters."""
    text = " ".join(redact(text, program_output=True).split())
    return text if len(text) <= _MAX_QUOTED else text[: _MAX_QUOTED - 3] + "..."


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def where(profile: str | None) -> str:
    return f"profile {profile!r}" if profile else "the default AWS credentials"


def sso_login_error(profile: str | None, detail: str = "") -> CredentialsError:
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    cause = f" ({detail})" if detail else ""
    return CredentialsError(
        f"the AWS SSO session of {where(profile)} is missing or expired{cause}: run '{login}'",
        profile=profile,
    )


def expired_credentials_error(
    method: str, expiry: datetime, now: datetime, *, profile: str | None
) -> CredentialsError:
    """Credentials that end (or ended) too soon to sign with, after any refresh."""
    from eks_token.core.signing import CREDENTIALS_MARGIN

    if expiry <= now:
        when = f"expired at {stamp(expiry)}"
    else:
        seconds = int(CREDENTIALS_MARGIN.total_seconds())
        when = f"expire at {stamp(expiry)}, less than {seconds} s after the signing time"
    if method == "env":
        message = (
            f"the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN "
            f"{when} (AWS_CREDENTIAL_EXPIRATION); refresh them (for example run 'aws-vault "
            "exec' again) or unset them"
        )
    elif method == "custom-process":
        message = (
            f"the credential_process of {where(profile)} returned credentials that {when}; "
            "make it return fresh ones (log in again with the tool it runs, or clear its cache)"
        )
    elif method == "sso":
        return sso_login_error(profile, f"its role credentials {when}")
    else:
        message = (
            f"the {method} credentials of {where(profile)} {when} and refreshing them gave "
            "none newer; refresh the source they come from"
        )
    return CredentialsError(message, profile=profile)


def no_credentials_error(profile: str | None) -> CredentialsError:
    if profile:
        # The profile exists (botocore raises ProfileNotFound otherwise): it holds no
        # credentials of any kind botocore can use.
        return CredentialsError(
            f"AWS profile {profile!r} has no credentials: give it aws_access_key_id and "
            "aws_secret_access_key (in ~/.aws/credentials), role_arn with source_profile or "
            "credential_source, SSO settings ('aws configure sso'), credential_process or "
            "web_identity_token_file; or use another profile",
            profile=profile,
        )
    return CredentialsError(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "run 'aws configure' or 'aws sso login', or pass --profile",
        profile=profile,
    )


def config_parse_error(path: str, profile: str | None) -> CredentialsError:
    """An AWS config or credentials file that is not INI: the file, the line and what to fix."""
    import configparser

    where_in = ""
    try:
        with open(os.path.expanduser(path), encoding="utf-8", errors="replace") as file:
            text = file.read()
        configparser.RawConfigParser(strict=False).read_string(text, path)
    except configparser.MissingSectionHeaderError as exc:
        where_in = f", line {exc.lineno}: a setting before any [section] header"
    except configparser.ParsingError as exc:
        lineno = exc.errors[0][0] if exc.errors else None
        where_in = f", line {lineno}: not a 'name = value' setting or a [section] header"
    except (configparser.Error, OSError):
        pass
    return CredentialsError(
        f"cannot parse the AWS configuration file {path}{where_in}; fix the file (each line "
        "is a [section] header, a 'name = value' setting, an indented continuation or a "
        "comment)",
        profile=profile,
    )
