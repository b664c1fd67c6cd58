"""The boundary with botocore: sessions, configuration, credentials and roles.

botocore is imported inside the functions, never at module import, and every
botocore exception is wrapped in one of ours here.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource, expiry_of
from eks_token.core.endpoints import EndpointSettings
from eks_token.errors import (
    CredentialsError,
    EksTokenError,
    RoleAssumptionError,
)
from eks_token.redact import remember_environment_secrets, remember_secret

if TYPE_CHECKING:
    from botocore.session import Session

__all__ = [
    "DEFAULT_ROLE_SESSION_NAME",
    "assumed_role_credentials",
    "base_credentials",
    "client",
    "forwarded_session_name",
    "make_session",
    "resolve_region",
    "sts_endpoint_settings",
]

DEFAULT_ROLE_SESSION_NAME = "EKSGetTokenAuth"
_SESSION_VARIABLES = (
    ("region", "AWS_DEFAULT_REGION"),
    ("config_file", "AWS_CONFIG_FILE"),
    ("credentials_file", "AWS_SHARED_CREDENTIALS_FILE"),
    ("sts_regional_endpoints", "AWS_STS_REGIONAL_ENDPOINTS"),
    ("use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT"),
    ("use_dualstack_endpoint", "AWS_USE_DUALSTACK_ENDPOINT"),
    ("ignore_configured_endpoint_urls", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
)


def make_session(
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    cli_cache: bool | None = None,
) -> Session:
    """A botocore session for ``profile`` (None: the environment's default).

    ``environ`` (default: the process environment) is what the session should see:
    an exec entry's ``env`` merged over ours, when a kubeconfig user is signed for
    in-process. botocore reads ``os.environ`` itself, so the settings that differ are
    handed to the session as its own.

    With ``cli_cache`` (default: unless ``EKS_TOKEN_NO_CACHE`` is set) the session's
    role, web-identity and SSO credentials are read from and written to the AWS CLI's
    cache, ``~/.aws/cli/cache``, as the AWS CLI's own sessions do.
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError

    env = os.environ if environ is None else environ
    if profile is None and env is not os.environ:
        profile = env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE") or None
    remember_environment_secrets(env)
    try:
        session = botocore.session.Session(profile=profile or None)
        _remember_issued_secrets(session)
        if env is not os.environ:
            for name, variable in _SESSION_VARIABLES:
                if variable in env and env.get(variable) != os.environ.get(variable):
                    session.set_config_variable(name, env[variable])
        session.get_scoped_config()
        from eks_token.aws.mfa import install_mfa_prompter

        install_mfa_prompter(session, session.profile, env)
        from eks_token.aws.timeouts import configured_timeouts

        timeouts = configured_timeouts(env)
        if timeouts:
            from botocore.config import Config

            session.set_default_client_config(Config(**timeouts))
        if cli_cache is None:
            from eks_token.cache.files import cache_disabled

            cli_cache = not cache_disabled(env)
        if cli_cache:
            from eks_token.aws.cli_cache import CredentialFileCache, cli_cache_dir
            from eks_token.aws.cli_cache_wiring import install_cli_cache

            install_cli_cache(session, CredentialFileCache(cli_cache_dir(env)))
    except BotoCoreError as exc:
        raise _credentials_error(exc, profile) from exc
    return session


#: Fields of AWS answers (STS, SSO, SSO OIDC) and request headers that hold secrets.
_ANSWERED_SECRETS = frozenset(
    {
        "SecretAccessKey",
        "SessionToken",
        "secretAccessKey",
        "sessionToken",
        "accessToken",
        "refreshToken",
        "clientSecret",
    }
)
_SENT_SECRETS = ("X-Amz-Security-Token", "x-amz-sso_bearer_token")


def _remember_issued_secrets(session: Session) -> None:
    """Register every secret botocore handles for this session's clients, its credential
    providers' own included (a source profile's, an SSO role's, an assumed role's): the
    secrets an answer issues, and the tokens a request carries."""

    def answered(parsed: object = None, **_: Any) -> None:
        _remember_fields(parsed, depth=3)

    def sent(request: Any = None, **_: Any) -> None:
        headers = getattr(request, "headers", None) or {}
        for name in _SENT_SECRETS:
            value = headers.get(name)
            remember_secret(value.decode("latin-1") if isinstance(value, bytes) else value)

    session.register("after-call", answered, unique_id="eks-token-answered-secrets")
    session.register("before-send", sent, unique_id="eks-token-sent-secrets")


def _remember_fields(value: object, depth: int) -> None:
    if not isinstance(value, dict) or depth < 0:
        return
    for key, item in value.items():
        if key in _ANSWERED_SECRETS and isinstance(item, str):
            remember_secret(item)
        elif isinstance(item, dict):
            _remember_fields(item, depth - 1)


def _remember_profile_secrets(session: Session) -> None:
    """Register the secret keys and session tokens the AWS files give the session's profile
    and its source_profile chain (botocore signs with a source profile's keys itself)."""
    try:
        profiles: Mapping[str, Any] = session.full_config.get("profiles", {})
    except Exception:
        return  # botocore reports the broken file
    name = session.profile or "default"
    seen: set[str] = set()
    while isinstance(profiles.get(name), Mapping) and name not in seen:
        seen.add(name)
        section = profiles[name]
        for key in ("aws_secret_access_key", "aws_session_token", "aws_security_token"):
            value = section.get(key)
            remember_secret(value if isinstance(value, str) else None)
        name = section.get("source_profile")


def client(
    session: Session,
    service: str,
    *,
    region: str | None,
    credentials: AwsCredentials | None = None,
    **options: Any,
) -> Any:
    """A botocore client of ``service`` signing with ``credentials``, by default the
    session's own, resolved here (so they are registered as secrets before anything can
    echo them, and a failing source is one of our errors)."""
    if credentials is None:
        credentials = freeze(base_credentials(session), session=session)
    return session.create_client(
        service,
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        **options,
    )


def resolve_region(
    session: Session, explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """Region: explicit, then AWS_REGION, AWS_DEFAULT_REGION, then the profile's ``region``."""
    if explicit:
        return explicit
    env = os.environ if environ is None else environ
    if env.get("AWS_REGION"):
        return env["AWS_REGION"]
    from botocore.exceptions import BotoCoreError

    try:
        region = session.get_config_variable("region")
    except BotoCoreError as exc:
        raise _credentials_error(exc, session.profile) from exc
    return str(region) if region else None


def sts_endpoint_settings(
    session: Session, environ: Mapping[str, str] | None = None
) -> EndpointSettings:
    """Read ``sts_regional_endpoints``, FIPS, dual-stack and the STS endpoint URL."""
    from botocore.exceptions import BotoCoreError
    from botocore.utils import ensure_boolean

    try:
        mode = session.get_config_variable("sts_regional_endpoints") or "regional"
        fips = ensure_boolean(session.get_config_variable("use_fips_endpoint"))
        dualstack = ensure_boolean(session.get_config_variable("use_dualstack_endpoint"))
        endpoint_url = _configured_endpoint_url(session, environ)
    except BotoCoreError as exc:
        raise _credentials_error(exc, session.profile) from exc
    return EndpointSettings(str(mode).lower(), fips, dualstack, endpoint_url)


def _configured_endpoint_url(session: Session, environ: Mapping[str, str] | None) -> str | None:
    from botocore.configprovider import ConfiguredEndpointProvider
    from botocore.utils import ensure_boolean

    if ensure_boolean(session.get_config_variable("ignore_configured_endpoint_urls")):
        return None
    provider = ConfiguredEndpointProvider(
        full_config=session.full_config,
        scoped_config=session.get_scoped_config(),
        client_name="sts",
        environ=dict(os.environ if environ is None else environ),
    )
    url = provider.provide()
    return str(url) if url else None


def base_credentials(session: Session) -> FrozenCredentialSource:
    """The session's credentials (botocore's provider chain), or a clear error."""
    from eks_token.aws.failure_text import no_credentials_error

    _remember_profile_secrets(session)
    try:
        found = session.get_credentials()
    except Exception as exc:
        mapped = failure(exc, session)
        if mapped is None:
            raise
        raise mapped from exc
    if found is None:
        raise no_credentials_error(session.profile)
    source: FrozenCredentialSource = found
    return source


def freeze(
    source: FrozenCredentialSource,
    *,
    role_arn: str | None = None,
    session: Session | None = None,
    profile: str | None = None,
) -> AwsCredentials:
    """Current credentials from a botocore source, refreshing as botocore decides."""
    try:
        return AwsCredentials.from_botocore(source)
    except EksTokenError:
        raise
    except RuntimeError as exc:
        # botocore's word for credentials still expired after a refresh.
        expiry = expiry_of(source)
        if expiry is None or "still expired" not in str(exc):
            raise
        from eks_token.aws.failure_text import expired_credentials_error
        from eks_token.clock import utc_now

        name = profile if profile is not None else getattr(session, "profile", None)
        raise expired_credentials_error(
            credential_method(source), expiry, utc_now(), profile=name
        ) from exc
    except Exception as exc:
        mapped = failure(exc, session, role_arn=role_arn, profile=profile)
        if mapped is None:
            raise
        raise mapped from exc


def failure(
    exc: Exception,
    session: Session | None,
    *,
    role_arn: str | None = None,
    profile: str | None = None,
) -> EksTokenError | None:
    """Our error for a failure while resolving credentials; None for a bug."""
    from eks_token.aws.failures import credentials_failure

    return credentials_failure(exc, session=session, profile=profile, role_arn=role_arn)


def assumed_role_credentials(
    session: Session,
    source: FrozenCredentialSource,
    *,
    role_arn: str,
    region: str | None,
    session_name: str,
    external_id: str | None = None,
    cache: Any = None,
) -> FrozenCredentialSource:
    """Credentials of ``role_arn``, assumed with ``source`` and re-assumed before they expire.

    ``cache`` (a mapping, as botocore's fetchers take one) keeps them between runs.
    """
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    extra: dict[str, Any] = {"RoleSessionName": session_name}
    if external_id:
        extra["ExternalId"] = external_id
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=functools.partial(session.create_client, region_name=region),
        source_credentials=_botocore_credentials(source),
        role_arn=role_arn,
        extra_args=extra,
        cache=cache,
    )
    assumed: FrozenCredentialSource = DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role"
    )
    return assumed


def forwarded_session_name(
    session: Session, source: FrozenCredentialSource, region: str | None
) -> str | None:
    """The session part of the caller's ``UserId`` (``<unique id>:<session>``), if any."""
    from botocore.exceptions import BotoCoreError, ClientError

    creds = freeze(source, session=session)
    try:
        sts = client(session, "sts", region=region, credentials=creds)
        user_id = str(sts.get_caller_identity()["UserId"])
    except (ClientError, BotoCoreError) as exc:
        from eks_token.aws.failures import credentials_failure

        mapped = credentials_failure(exc, session=session)
        raise RoleAssumptionError(
            f"GetCallerIdentity (to forward the session name) failed: {mapped or exc}"
        ) from exc
    _, sep, name = user_id.partition(":")
    if not sep or not name:
        return None
    return re.sub(r"[^\w+=,.@-]", "-", name)[:64]


def credential_method(source: FrozenCredentialSource) -> str:
    """botocore's name for where credentials came from (env, shared-credentials-file, ...)."""
    return str(getattr(source, "method", None) or "explicit")


def _botocore_credentials(source: FrozenCredentialSource) -> Any:
    from botocore.credentials import Credentials, RefreshableCredentials

    if isinstance(source, RefreshableCredentials):
        # Refreshed when the role is assumed, not before (its cached role may do without);
        # the session token it sends is registered then.
        return source
    creds = freeze(source)  # registers the secret key and session token
    if isinstance(source, Credentials):
        return source
    return Credentials(
        creds.access_key_id, creds.secret_access_key, creds.session_token, method="explicit"
    )


def _credentials_error(exc: Exception, profile: str | None) -> EksTokenError:
    from eks_token.aws.failures import credentials_failure

    mapped = credentials_failure(exc, profile=profile)
    return mapped or CredentialsError(f"AWS configuration problem: {exc}", profile=profile)
