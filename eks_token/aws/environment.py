"""Credentials and STS settings from the environment alone, without loading botocore.

When ``AWS_ACCESS_KEY_ID`` is set, botocore's credential chain stops at its
first link (the environment) unless a profile is passed explicitly. In that
case importing all of botocore only to read the same variables costs the exec
plugin a hundred milliseconds or more, so this module reads them itself, and
the shared config file with botocore's own parser (``botocore.configloader``,
a small module). Whenever the answer is not plain -- an expiration in a form
other than RFC 3339, a missing profile, a broken file -- it returns None and
botocore decides, so botocore's errors and rules still apply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from eks_token.core.credentials import AwsCredentials
from eks_token.core.endpoints import EndpointSettings
from eks_token.core.paths import CONFIG_FILE, CREDENTIALS_FILE, aws_file_path

__all__ = ["EnvironmentResolution", "parse_credential_expiration", "resolve_from_environment"]

_TOKEN_VARIABLES = ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN")
#: The RFC 3339 forms read here; botocore (dateutil) reads them to the same moment.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})", re.ASCII
)


class EnvironmentResolution:
    """What botocore would resolve, found without it."""

    __slots__ = ("credentials", "expires", "method", "region", "settings")

    def __init__(
        self,
        credentials: AwsCredentials,
        region: str | None,
        settings: EndpointSettings,
        *,
        method: str = "env",
        expires: float | None = None,
    ) -> None:
        self.credentials = credentials
        self.region = region
        self.settings = settings
        #: botocore's name for where the credentials came from.
        self.method = method
        #: When the credentials expire (epoch seconds); None: they do not.
        self.expires = expires


def resolve_from_environment(
    environ: Mapping[str, str], explicit_region: str | None = None
) -> EnvironmentResolution | None:
    """Static credentials from the ``AWS_*`` variables, region and STS settings as botocore
    reads them; None when botocore has to decide (the caller then uses a botocore session)."""
    access_key = environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access_key or not secret_key:
        return None
    expiry = None
    if environ.get("AWS_CREDENTIAL_EXPIRATION"):
        expiry = parse_credential_expiration(environ["AWS_CREDENTIAL_EXPIRATION"])
        if expiry is None:
            return None
    session_token = next((environ[v] for v in _TOKEN_VARIABLES if environ.get(v)), None)
    scoped = _scoped_config(environ)
    if scoped is None:
        return None
    profile, full = scoped
    settings = _endpoint_settings(environ, profile, full)
    if settings is None:
        return None
    region = explicit_region or environ.get("AWS_REGION") or None
    if region is None:
        raw = _setting(environ, profile, "AWS_DEFAULT_REGION", "region")
        region = str(raw) if raw else None
    return EnvironmentResolution(
        AwsCredentials(access_key, secret_key, session_token, expiry=expiry), region, settings
    )


def parse_credential_expiration(text: str) -> datetime | None:
    """``AWS_CREDENTIAL_EXPIRATION`` as botocore reads it, for the RFC 3339 forms
    (``2026-11-29T23:44:00Z``, fractions, offsets); None for anything else."""
    if not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _scoped_config(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The active profile's section and the whole config, as botocore's session builds them."""
    name = next((environ[v] for v in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE") if v in environ), None)
    if name == "":
        return None
    config_file = aws_file_path(CONFIG_FILE, environ)
    full: dict[str, Any] = {"profiles": {}}
    if os.path.isfile(config_file):
        loaded = _parse(config_file, subsections=True)
        if loaded is None:
            return None
        full = loaded
    profiles: dict[str, Any] = full.setdefault("profiles", {})
    if name is None:
        return profiles.get("default", {}), full
    if name in profiles:
        return profiles[name], full
    # botocore also accepts a profile that exists only in the credentials file.
    credentials_file = aws_file_path(CREDENTIALS_FILE, environ)
    if os.path.isfile(credentials_file):
        loaded = _parse(credentials_file, subsections=False)
        if loaded is not None and name in loaded:
            return dict(loaded[name]), full
    return None


def _parse(path: str, *, subsections: bool) -> dict[str, Any] | None:
    from botocore import configloader
    from botocore.exceptions import BotoCoreError

    try:
        if subsections:
            return dict(configloader.load_config(path))
        return dict(configloader.raw_config_parse(path, parse_subsections=False))
    except BotoCoreError:
        return None


def _endpoint_settings(
    environ: Mapping[str, str], profile: Mapping[str, Any], full: Mapping[str, Any]
) -> EndpointSettings | None:
    mode = _setting(environ, profile, "AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints")
    fips = _boolean(_setting(environ, profile, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"))
    dualstack = _boolean(
        _setting(environ, profile, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")
    )
    ignore = _boolean(
        _setting(
            environ,
            profile,
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            "ignore_configured_endpoint_urls",
        )
    )
    endpoint_url: Any = None
    if not ignore:
        endpoint_url = environ.get("AWS_ENDPOINT_URL_STS") or environ.get("AWS_ENDPOINT_URL")
        if not endpoint_url and "services" in profile:
            section = full.get("services", {}).get(profile["services"])
            if not section:
                return None  # botocore reports the missing services section
            endpoint_url = section.get("sts", {}).get("endpoint_url")
        endpoint_url = endpoint_url or profile.get("endpoint_url")
    return EndpointSettings(
        str(mode or "regional").lower(),
        fips,
        dualstack,
        str(endpoint_url) if endpoint_url else None,
    )


def _setting(
    environ: Mapping[str, str], profile: Mapping[str, Any], variable: str, key: str
) -> Any:
    # As botocore: a variable that is present wins, even when empty.
    if variable in environ:
        return environ[variable]
    return profile.get(key)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() == "true"
