"""botocore's credential failures as our errors: one line naming the cause and the fix.

botocore reports a failing credential source in many shapes: its own exception
classes, STS's error codes, a bare ``RuntimeError`` for credentials that are
still expired after a refresh, and the raw ``OSError`` or ``ValueError`` of a
``credential_process`` that cannot be started or prints something else than
its JSON. Each becomes one of our errors here. Nothing the credential source
printed is repeated except the last line of a failing process's stderr, with
anything that looks like a secret replaced.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from eks_token.aws.call_failures import client_failure, network_failure
from eks_token.aws.failure_text import (
    config_parse_error,
    last_line,
    no_credentials_error,
    quoted_output,
    sso_login_error,
    where,
)
from eks_token.errors import (
    CredentialsError,
    EksTokenError,
    ProfileNotFoundError,
)

__all__ = ["credential_process_of", "credentials_failure"]


def credential_process_of(session: Any, profile: str | None) -> tuple[str, str] | None:
    """(profile, program) of the credential_process the profile or its source_profile
    chain runs, if any. Only the program is named: arguments may hold secrets."""
    if session is None:
        return None
    try:
        profiles: Mapping[str, Any] = session.full_config.get("profiles", {})
    except Exception:
        return None
    name = profile or "default"
    seen: set[str] = set()
    while name in profiles and name not in seen:
        seen.add(name)
        section = profiles[name]
        command = section.get("credential_process")
        if command:
            words = str(command).split()
            return name, os.path.basename(words[0]) if words else ""
        name = section.get("source_profile")
    return None


def _section(session: Any, profile: str | None) -> Mapping[str, Any]:
    """The profile's settings in the session's config ({} when there is none)."""
    try:
        section: Mapping[str, Any] = session.full_config["profiles"][profile or "default"]
    except Exception:
        return {}
    return section


def _role_of(session: Any, profile: str | None) -> str | None:
    role = _section(session, profile).get("role_arn")
    return str(role) if role else None


def _caller(session: Any, profile: str | None, role_arn: str | None) -> str:
    """Whose credentials asked STS, for messages (never the credentials themselves)."""
    if role_arn is None and session is not None:
        section = _section(session, profile)
        source = section.get("source_profile")
        if source:
            return f"the credentials of profile {source!r}"
        if section.get("credential_source"):
            return f"the {section['credential_source']} credentials"
    return f"the credentials of profile {profile!r}" if profile else "the default AWS credentials"


def credentials_failure(
    exc: BaseException,
    *,
    session: Any = None,
    profile: str | None = None,
    role_arn: str | None = None,
) -> EksTokenError | None:
    """Our error for ``exc``, raised while botocore found, assumed or refreshed
    credentials; None when it is nothing a credential source causes (a bug)."""
    from botocore import exceptions as bx

    if isinstance(exc, EksTokenError):
        return None  # already ours (an InvalidInputError is a ValueError too): raised as it is
    if profile is None and session is not None:
        profile = session.profile
    kwargs: dict[str, Any] = getattr(exc, "kwargs", {}) or {}
    if isinstance(exc, bx.ProfileNotFound):
        name = kwargs.get("profile", profile)
        return ProfileNotFoundError(
            f"AWS profile {name!r} not found in the AWS config or credentials file; "
            "check --profile and AWS_PROFILE ('aws configure list-profiles' lists them)",
            profile=name,
        )
    if isinstance(exc, bx.ConfigParseError):
        return config_parse_error(str(kwargs.get("path") or "the AWS config file"), profile)
    if isinstance(exc, bx.InfiniteLoopConfigError):
        chain = [*kwargs.get("visited_profiles", []), kwargs.get("source_profile", "?")]
        return CredentialsError(
            f"the source_profile settings form a loop ({' -> '.join(map(str, chain))}); "
            "end the chain at a profile with keys, credential_process, sso or credential_source",
            profile=profile,
        )
    if isinstance(exc, bx.InvalidConfigError):
        return CredentialsError(
            f"the AWS configuration of {where(profile)} is invalid: {exc}; fix ~/.aws/config",
            profile=profile,
        )
    if isinstance(exc, bx.PartialCredentialsError):
        return CredentialsError(
            f"partial AWS credentials: {exc}; set both the access key id and the secret",
            profile=profile,
        )
    if isinstance(exc, bx.NoCredentialsError):
        return no_credentials_error(profile)
    if isinstance(exc, bx.RefreshWithMFAUnsupportedError):
        return CredentialsError(
            f"the MFA-protected role credentials of {where(profile)} expired and need a new "
            "MFA code; run the command again",
            profile=profile,
        )
    sso_provider = kwargs.get("provider") in ("sso", "sso_token")
    if isinstance(exc, bx.SSOError) or (isinstance(exc, bx.TokenRetrievalError) and sso_provider):
        detail = last_line(str(kwargs.get("error_msg") or ""))
        return sso_login_error(profile, quoted_output(detail) if detail else "")
    if isinstance(exc, bx.CredentialRetrievalError):
        detail = quoted_output(last_line(str(kwargs.get("error_msg") or "")))
        if kwargs.get("provider") == "custom-process":
            process = credential_process_of(session, profile)
            which = f"'{process[1]}' of profile {process[0]!r}" if process else "of the profile"
            said = f": {detail}" if detail else ""
            return CredentialsError(
                f"the credential_process {which} failed{said}; run it yourself to see why "
                "(often: log in again with the tool it runs)",
                profile=profile,
            )
        provider = kwargs.get("provider", "the credential provider")
        raw = str(kwargs.get("error_msg") or "")
        endpoint = re.search(r'"(https?://[^"\s]+)"', raw)
        if endpoint and re.search(r"(?i)could not connect|timeout|timed out", raw):
            return CredentialsError(
                f"network problem, not a configuration one: the {provider} credentials need "
                f"{endpoint.group(1)} and it could not be reached; check that the credentials "
                "agent is running and reachable",
                profile=profile,
            )
        return CredentialsError(
            f"getting credentials from {provider} failed: {detail or 'no reason given'}",
            profile=profile,
        )
    if isinstance(exc, bx.ClientError):
        operation = str(getattr(exc, "operation_name", "") or "the AWS request")
        role = role_arn or (_role_of(session, profile) if "AssumeRole" in operation else None)
        return client_failure(
            exc,
            action=operation,
            role_arn=role,
            caller=_caller(session, profile, role_arn),
            profile=profile,
        )
    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        role = role_arn or _role_of(session, profile)
        purpose = f"AssumeRole of {role}" if role else "getting AWS credentials"
        return network_failure(exc, purpose, profile)
    token_file = _token_file_failure(exc, session, profile)
    if token_file is not None:
        return token_file
    process = credential_process_of(session, profile)
    if process is not None and isinstance(exc, OSError):
        why = "is not executable" if isinstance(exc, PermissionError) else "could not be started"
        if isinstance(exc, FileNotFoundError):
            why = "was not found"
        return CredentialsError(
            f"the credential_process program '{process[1]}' of profile {process[0]!r} {why}; "
            "fix the credential_process line in ~/.aws/config (a full path helps)",
            profile=profile,
        )
    if process is not None and isinstance(exc, (ValueError, AttributeError, TypeError)):
        import json

        what = "something that is not JSON" if isinstance(exc, json.JSONDecodeError) else None
        what = what or "JSON that is not credential_process output (an Expiration it cannot read?)"
        return CredentialsError(
            f"the credential_process '{process[1]}' of profile {process[0]!r} printed {what}; "
            'it must print a JSON object with "Version": 1, "AccessKeyId", "SecretAccessKey" '
            'and, for temporary credentials, "SessionToken" and "Expiration"',
            profile=profile,
        )
    if isinstance(exc, bx.NoRegionError):
        return CredentialsError(
            f"getting the credentials of {where(profile)} calls an AWS service, which needs a "
            "region: set region in the profile or AWS_DEFAULT_REGION",
            profile=profile,
        )
    if isinstance(exc, bx.BotoCoreError):
        return CredentialsError(f"AWS configuration problem: {exc}", profile=profile)
    return None


def _token_file_failure(
    exc: BaseException, session: Any, profile: str | None
) -> CredentialsError | None:
    """A web-identity or container authorization token file that cannot be read or used."""
    env = os.environ
    if isinstance(exc, ValueError) and "legal header value" in str(exc):
        return CredentialsError(
            "the container authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN or the file "
            "in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) is not a valid HTTP header value "
            "(a line break?); fix the token or its file",
            profile=profile,
        )
    if not isinstance(exc, OSError) or not exc.filename:
        return None
    files = {
        env.get("AWS_WEB_IDENTITY_TOKEN_FILE"): "AWS_WEB_IDENTITY_TOKEN_FILE",
        env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"): "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    }
    configured = _section(session, profile).get("web_identity_token_file")
    files.setdefault(configured, f"web_identity_token_file of {where(profile)}")
    setting = files.get(str(exc.filename))
    if setting is None:
        return None
    return CredentialsError(
        f"cannot read the token file {exc.filename} ({setting}): "
        f"{exc.strerror or type(exc).__name__}; fix the path or mount the token",
        profile=profile,
    )
