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
    "read_environment",
    "resolve_region",
    "sts_endpoint_settings",
]

DEFAULT_ROLE_SESSION_NAME = "EKSGetTokenAuth"


def make_session(
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    cli_cache: bool | None = None,
) -> Session:
    """A botocore session for ``profile`` (None: the environment's default).

    ``environ`` (default: the process environment) is what the session should see:
    an exec entry's ``env`` merged over ours, when a kubeconfig user is signed for
    in-process. The session reads it wherever botocore would read ``os.environ``
    (:func:`read_environment`), so it resolves exactly what a botocore session in a
    process with that environment resolves: ``AWS_PROFILE`` there is the
    environment's profile, not one handed to the session, and the environment's keys
    come first.

    With ``cli_cache`` (default: unless ``EKS_TOKEN_NO_CACHE`` is set) the session's
    role, web-identity and SSO credentials are read from and written to the AWS CLI's
    cache, ``~/.aws/cli/cache``, as the AWS CLI's own sessions do.
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError

    env = os.environ if environ is None else environ
    remember_environment_secrets(env)
    try:
        session = botocore.session.Session(profile=profile or None)
        _remember_issued_secrets(session)
        if env is not os.environ:
            read_environment(session, env)
        session.get_scoped_config()
        from eks_token.aws.sts_answers import install_sts_answer_check

        install_sts_answer_check(session)
        session.register("before-send", _refuse_userinfo, unique_id=_REFUSE_USERINFO)
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

            install_cli_cache(session, CredentialFileCache(cli_cache_dir(env)), env)
    except BotoCoreError as exc:
        raise _credentials_error(exc, profile) from exc
    return session


def read_environment(session: Session, environ: Mapping[str, str]) -> None:
    """Make a new session read ``environ`` wherever botocore reads the process environment:
    its configuration variables (``AWS_PROFILE``, ``AWS_DEFAULT_REGION``, the files, the
    endpoint settings) and its credential providers (the environment's keys, web
    identity, container credentials, ``credential_process``'s environment, IMDS off)."""
    import subprocess

    from botocore import configprovider
    from botocore import credentials as providers

    from eks_token.core.paths import CONFIG_FILE, CREDENTIALS_FILE, aws_file_path

    store = session.get_component("config_store")
    chains = configprovider.ConfigChainFactory(session=session, environ=environ)
    for name, (
        keys,
        variables,
        default,
        conversion,
    ) in configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES.items():
        chain = chains.create_config_chain(
            instance_name=name,
            env_var_names=variables,
            config_property_names=keys,
            default=default,
            conversion_func=conversion,
        )
        store.set_config_provider(name, chain)
    # botocore expands "~" in the files' paths with the process's HOME: name them here.
    for name, which in (("config_file", CONFIG_FILE), ("credentials_file", CREDENTIALS_FILE)):
        path = aws_file_path(which, environ)
        store.set_config_provider(name, configprovider.ConstantProvider(path))
    # The clients it makes (AssumeRole, web identity, EKS) find AWS_ENDPOINT_URL_<SERVICE>
    # there too.
    session._add_configured_endpoint_provider = functools.partial(
        _configured_endpoint_provider, session, environ
    )
    resolver = session.get_component("credential_provider")
    found = list(resolver.providers)
    for provider in resolver.providers:
        # The role provider's credential_source (Environment, EcsContainer) has its own list.
        sourcer = getattr(provider, "_credential_sourcer", None)
        found.extend(getattr(sourcer, "_providers", ()))
    for provider in found:
        if isinstance(provider, providers.EnvProvider):
            provider.environ = environ
        elif isinstance(
            provider,
            (providers.ContainerProvider, providers.OriginalEC2Provider, providers.BotoProvider),
        ):
            provider._environ = environ
        elif isinstance(provider, providers.AssumeRoleWithWebIdentityProvider):
            provider._get_env_config = functools.partial(_web_identity_variable, provider, environ)
        elif isinstance(provider, providers.ProcessProvider):
            provider._popen = functools.partial(subprocess.Popen, env=dict(environ))
        elif isinstance(provider, providers.InstanceMetadataProvider):
            disabled = environ.get("AWS_EC2_METADATA_DISABLED", "false").lower() == "true"
            provider._role_fetcher._disabled = disabled


def _configured_endpoint_provider(
    session: Session, environ: Mapping[str, str], client_name: str, config_store: Any
) -> None:
    """botocore's hook that gives a new client its configured endpoint URL, from ``environ``."""
    from botocore.configprovider import ConfiguredEndpointProvider

    provider = ConfiguredEndpointProvider(
        full_config=session.full_config,
        scoped_config=session.get_scoped_config(),
        client_name=client_name,
        environ=environ,
    )
    config_store.set_config_provider(logical_name="endpoint_url", provider=provider)


def _web_identity_variable(provider: Any, environ: Mapping[str, str], key: str) -> str | None:
    """The web-identity provider's setting from ``environ``, read as botocore reads its own."""
    if provider._disable_env_vars:
        return None
    variable = provider._CONFIG_TO_ENV_VAR.get(key)
    return environ.get(variable) if variable else None


_REFUSE_USERINFO = "eks-token-refuse-userinfo"


def _refuse_userinfo(request: Any, event_name: str = "", **_: Any) -> None:
    """No request leaves with a user name or password in its endpoint URL (botocore takes
    AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL and endpoint_url as they are)."""
    from urllib.parse import urlsplit

    from eks_token.core.endpoints import validate_endpoint_url

    parts = urlsplit(str(request.url))
    if "@" not in parts.netloc:
        return
    names = event_name.split(".")
    service = names[1] if len(names) > 1 and names[1] else "AWS"
    variable = f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}"
    what = f"the {service} endpoint URL ({variable}, AWS_ENDPOINT_URL, endpoint_url)"
    validate_endpoint_url(f"{parts.scheme}://{parts.netloc}/", what=what)


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

    def client_creator(service: str, **options: Any) -> Any:
        from eks_token.aws.sts_answers import install_sts_answer_check

        client = session.create_client(service, region_name=region, **options)
        install_sts_answer_check(client.meta.events)
        return client

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=client_creator,
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
