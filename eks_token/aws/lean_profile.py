"""Credentials for a profile without loading botocore, where the answer is plain.

Two cases are answered here, exactly as botocore's credential chain would:

- static keys for the profile in the shared credentials file (or, failing that,
  the config file), with nothing botocore would try first: no ``role_arn``, web
  identity, SSO, ``login_session`` or ``credential_process`` for the profile, and
  no ``AWS_ACCESS_KEY_ID`` / ``AWS_WEB_IDENTITY_TOKEN_FILE`` in the environment
  unless the profile was given explicitly (botocore then ignores them);
- a ``role_arn`` profile whose role credentials are in ``~/.aws/cli/cache`` under
  the key the AWS CLI computes, with at least botocore's 15 minutes left, and
  whose source (``source_profile`` chains ending in static keys) botocore would
  accept.

Anything else -- a missing profile, a parse error, SSO, a process, an expired or
odd cache entry -- returns None, and botocore decides (and reports its errors).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from eks_token.aws.cli_cache import (
    EXPIRY_WINDOW_SECONDS,
    CredentialFileCache,
    assume_role_cache_key,
    cli_cache_dir,
    entry_credentials,
)
from eks_token.aws.environment import EnvironmentResolution, _endpoint_settings, _setting
from eks_token.aws.profile_files import ProfileFiles, load_profile_files
from eks_token.core.credentials import AwsCredentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["lean_resolution", "profile_name", "resolve_from_profile"]

#: Settings that make botocore's chain take a provider other than the static keys.
_PREFERRED = ("web_identity_token_file", "login_session", "credential_process")
_STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key")
_TOKEN_KEYS = ("aws_security_token", "aws_session_token")


def profile_name(environ: Mapping[str, str]) -> str | None:
    """The profile botocore's session takes from the environment (``AWS_DEFAULT_PROFILE``,
    then ``AWS_PROFILE``); None for neither. An empty one is returned as ``""``."""
    for variable in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        if variable in environ:
            return environ[variable]
    return None


def resolve_from_profile(
    environ: Mapping[str, str],
    profile: str | None,
    explicit_region: str | None = None,
    *,
    explicit: bool = True,
    cli_cache: bool = True,
    now: float | None = None,
) -> EnvironmentResolution | None:
    """What botocore would resolve for ``profile`` (None: the environment's profile), or None
    when botocore has to decide. ``explicit``: the profile was handed to the session (as
    ``--profile`` is), so botocore skips the environment's credentials."""
    name = profile if profile else profile_name(environ)
    if name == "":
        return None
    if not explicit and (
        environ.get("AWS_ACCESS_KEY_ID") or "AWS_WEB_IDENTITY_TOKEN_FILE" in environ
    ):
        return None
    files = load_profile_files(environ)
    if files is None:
        return None
    profiles = files.profiles
    if name is not None and name not in profiles:
        return None  # botocore: profile not found
    name = name or "default"
    section: dict[str, Any] = profiles.get(name, {})
    method = "assume-role"
    expires: float | None = None
    if _has_role(section):
        if not cli_cache:
            return None
        found = _cached_role(files, name, environ, time.time() if now is None else now)
        if found is None:
            return None
        credentials, expires = found
    else:
        static = _static_chain(files, name)
        if static is None:
            return None
        credentials, method = static
    settings = _endpoint_settings(environ, section, files.full_config)
    if settings is None:
        return None
    region = explicit_region or environ.get("AWS_REGION") or None
    if region is None:
        raw = _setting(environ, section, "AWS_DEFAULT_REGION", "region")
        if raw is not None and not isinstance(raw, str):
            return None
        region = raw or None
    return EnvironmentResolution(credentials, region, settings, method=method, expires=expires)


def _has_role(section: Mapping[str, Any]) -> bool:
    return "role_arn" in section and "web_identity_token_file" not in section


def _static_chain(files: ProfileFiles, name: str) -> tuple[AwsCredentials, str] | None:
    """botocore's profile providers for ``name`` (web identity, SSO, credentials file,
    login, process, config file), when only the two static ones can answer."""
    section = files.profiles.get(name, {})
    if any(key in section for key in _PREFERRED) or any(k.startswith("sso_") for k in section):
        return None
    for source, method in (
        (files.credentials.get(name), "shared-credentials-file"),
        (files.config_profiles.get(name), "config-file"),
    ):
        if isinstance(source, dict) and "aws_access_key_id" in source:
            credentials = _static(source)
            return (credentials, method) if credentials is not None else None
    return None


def _static(section: Mapping[str, Any]) -> AwsCredentials | None:
    access_key = section.get("aws_access_key_id")
    secret_key = section.get("aws_secret_access_key")
    if not (isinstance(access_key, str) and access_key):
        return None
    if not (isinstance(secret_key, str) and secret_key):
        return None
    token = next((section[k] for k in _TOKEN_KEYS if k in section), None)
    if token is not None and not isinstance(token, str):
        return None
    return AwsCredentials(access_key, secret_key, token)


def _cached_role(
    files: ProfileFiles, name: str, environ: Mapping[str, str], now: float
) -> tuple[AwsCredentials, float] | None:
    if not _role_config_valid(files, name, [name]):
        return None
    arguments = _assume_role_arguments(files.profiles[name])
    if arguments is None:
        return None
    cache = CredentialFileCache(cli_cache_dir(environ))
    found = entry_credentials(cache.load(assume_role_cache_key(arguments)))
    if found is None:
        return None
    access_key, secret_key, token, expires = found
    if expires - now < EXPIRY_WINDOW_SECONDS:
        return None  # botocore assumes the role again
    return AwsCredentials(access_key, secret_key, token), expires


def _role_config_valid(files: ProfileFiles, name: str, visited: list[str]) -> bool:
    """True when botocore's AssumeRoleProvider accepts the role profile ``name`` and can
    resolve its source without calling out (source_profile chains of static keys)."""
    profiles = files.profiles
    section = profiles[name]
    source = section.get("source_profile")
    if section.get("credential_source") is not None or not isinstance(source, str):
        return False
    if source not in profiles:
        return False
    source_section = profiles[source]
    if source in visited and (source != name or not _has_static(source_section)):
        return False
    visited.append(source)
    if _has_static(source_section) or not _has_role(source_section):
        return _static_chain(files, source) is not None
    return _role_config_valid(files, source, visited)


def _has_static(section: Mapping[str, Any]) -> bool:
    return any(key in section for key in _STATIC_KEYS)


def _assume_role_arguments(section: Mapping[str, Any]) -> dict[str, Any] | None:
    """The AssumeRole arguments botocore builds from a role profile (its cache key)."""
    arguments: dict[str, Any] = {}
    for key, argument in (
        ("role_arn", "RoleArn"),
        ("role_session_name", "RoleSessionName"),
        ("external_id", "ExternalId"),
        ("mfa_serial", "SerialNumber"),
    ):
        value = section.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        arguments[argument] = value
    duration = section.get("duration_seconds")
    if duration is not None:
        if not isinstance(duration, str):
            return None
        # botocore drops a duration it cannot read.
        with contextlib.suppress(ValueError):
            arguments["DurationSeconds"] = int(duration)
    return arguments


def lean_resolution(
    environ: Mapping[str, str],
    profile: str | None,
    explicit_region: str | None = None,
    *,
    cli_cache: bool = True,
) -> EnvironmentResolution | None:
    """What a signer without a session or explicit credentials gets without botocore: the
    environment's credentials, else the profile's (see the module), else None."""
    found = None
    if not profile:
        from eks_token.aws.environment import resolve_from_environment

        found = resolve_from_environment(environ, explicit_region)
    if found is None:
        found = resolve_from_profile(
            environ,
            profile,
            explicit_region,
            explicit=bool(profile),
            cli_cache=cli_cache,
        )
    return found
