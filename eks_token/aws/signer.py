"""Making tokens: resolve identity and endpoint once, sign as often as needed."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.aws.static_source import StaticSource as _StaticSource
from eks_token.clock import utc_now
from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource
from eks_token.core.endpoints import StsEndpoint, resolve_sts_endpoint
from eks_token.core.inputs import validate_cluster_id, validate_region
from eks_token.core.options import SignerOptions
from eks_token.core.signing import sign_token
from eks_token.core.token import Token
from eks_token.errors import InvalidInputError

if TYPE_CHECKING:
    from typing import Unpack

    from botocore.session import Session

    from eks_token.aws.environment import EnvironmentResolution
    from eks_token.cache.interface import TokenCache
    from eks_token.core.endpoints import EndpointSettings
    from eks_token.core.options import SignerOptionArgs

__all__ = ["TokenSigner", "get_token"]


class TokenSigner:
    """One AWS identity and STS endpoint, resolved on first use, for any number of clusters.

    Credentials come from, in this order: ``credentials`` (explicit), ``session``
    (a botocore session), ``profile``, or botocore's default chain. With
    ``role_arn`` they are exchanged for the role's through AssumeRole (and
    assumed again before they expire).
    """

    def __init__(
        self,
        options: SignerOptions | None = None,
        *,
        session: Session | None = None,
        credentials: AwsCredentials | FrozenCredentialSource | None = None,
        environ: Mapping[str, str] | None = None,
        **fields: Unpack[SignerOptionArgs],
    ) -> None:
        if options is not None and fields:
            raise InvalidInputError(
                "give SignerOptions or its fields as keywords, not both", option="options"
            )
        self.options = options if options is not None else SignerOptions(**fields)
        self._session = session
        self._session_given = session is not None
        self._explicit = credentials
        self._environ = os.environ if environ is None else environ
        self._source: FrozenCredentialSource | None = None
        self._endpoint: StsEndpoint | None = None
        self._region: str | None = None
        self._resolve_lock = threading.Lock()
        from eks_token.cache.files import cache_disabled

        #: Read and write role credentials in ``~/.aws/cli/cache`` (shared with the AWS
        #: CLI) and roles assumed with ``role_arn``; False: neither (``--no-cache``).
        self.use_credential_cache = not cache_disabled(self._environ)

    @property
    def profile(self) -> str | None:
        return self.options.profile

    @property
    def role_arn(self) -> str | None:
        return self.options.role_arn

    def _botocore_session(self) -> Session:
        if self._session is None:
            from eks_token.aws.session import make_session

            self._session = make_session(
                self.profile, self._environ, cli_cache=self.use_credential_cache
            )
        return self._session

    def _resolve(self) -> tuple[FrozenCredentialSource, StsEndpoint]:
        source, endpoint = self._source, self._endpoint
        if source is not None and endpoint is not None:
            return source, endpoint
        with self._resolve_lock:
            return self._resolve_once()

    def _resolve_once(self) -> tuple[FrozenCredentialSource, StsEndpoint]:
        if self._source is not None and self._endpoint is not None:
            return self._source, self._endpoint
        found = self._lean_resolution()
        source: FrozenCredentialSource
        if found is not None:
            region, settings = found.region, found.settings
            source = _StaticSource(
                found.credentials, found.method, found.expires, self._botocore_base_source
            )
            if not self.role_arn:
                return self._settle(region, settings, source)
            cached = self._cached_own_role(found.credentials, region, settings)
            if cached is not None:
                return self._settle(region, settings, cached)
        from eks_token.aws import session as aws

        session = self._botocore_session()
        if found is None:
            region = aws.resolve_region(session, self.options.region, self._environ)
            settings = aws.sts_endpoint_settings(session, self._environ)
            if isinstance(self._explicit, AwsCredentials):
                source = _StaticSource(self._explicit, "explicit")
            elif self._explicit is not None:
                source = self._explicit
            else:
                from eks_token.aws.expiry import check_environment_expiration

                check_environment_expiration(session)
                source = aws.base_credentials(session)
        if self.role_arn:
            source = self._assume(session, source, region, settings)
        return self._settle(region, settings, source)

    def _lean_resolution(self) -> EnvironmentResolution | None:
        if self._session is not None or self._explicit is not None:
            return None
        from eks_token.aws.lean_profile import lean_resolution

        return lean_resolution(
            self._environ,
            self.profile,
            self.options.region,
            cli_cache=self.use_credential_cache,
        )

    def _botocore_base_source(self) -> FrozenCredentialSource:
        from eks_token.aws.session import base_credentials

        return base_credentials(self._botocore_session())

    def _cached_own_role(
        self, base: AwsCredentials, region: str | None, settings: EndpointSettings
    ) -> FrozenCredentialSource | None:
        """The role's cached credentials, without botocore, while botocore would use them."""
        if self.options.forward_session_name or not self.use_credential_cache:
            return None  # (a forwarded session name is known only after asking STS)
        from eks_token.aws.own_role import cached_own_role, own_role_cache
        from eks_token.aws.session import DEFAULT_ROLE_SESSION_NAME

        assert self.role_arn is not None
        cache = own_role_cache(
            self._environ,
            base,
            role_arn=self.role_arn,
            session_name=self.options.session_name or DEFAULT_ROLE_SESSION_NAME,
            external_id=self.options.external_id,
            region=region,
            settings=settings,
        )
        found = cached_own_role(cache)
        if found is None:
            return None

        def assume() -> FrozenCredentialSource:
            source = _StaticSource(base, "explicit")
            return self._assume(self._botocore_session(), source, region, settings)

        return _StaticSource(found[0], "assume-role", found[1], assume)

    def _assume(
        self,
        session: Session,
        source: FrozenCredentialSource,
        region: str | None,
        settings: EndpointSettings,
    ) -> FrozenCredentialSource:
        from eks_token.aws import session as aws

        assert self.role_arn is not None
        name = self.options.session_name
        if self.options.forward_session_name:
            name = aws.forwarded_session_name(session, source, region)
        name = name or aws.DEFAULT_ROLE_SESSION_NAME
        cache = None
        if self.use_credential_cache:
            from eks_token.aws.own_role import own_role_cache

            cache = own_role_cache(
                self._environ,
                aws.freeze(source),
                role_arn=self.role_arn,
                session_name=name,
                external_id=self.options.external_id,
                region=region,
                settings=settings,
            )
        return aws.assumed_role_credentials(
            session,
            source,
            role_arn=self.role_arn,
            region=region,
            session_name=name,
            external_id=self.options.external_id,
            cache=cache,
        )

    def _settle(
        self, region: str | None, settings: EndpointSettings, source: FrozenCredentialSource
    ) -> tuple[FrozenCredentialSource, StsEndpoint]:
        if region is not None:
            validate_region(region)
        endpoint = resolve_sts_endpoint(
            region,
            regional_mode=settings.regional_mode,
            use_fips=settings.use_fips,
            use_dualstack=settings.use_dualstack,
            endpoint_url=self.options.sts_endpoint_url or settings.endpoint_url,
        )
        self._region, self._source, self._endpoint = region, source, endpoint
        return source, endpoint

    @property
    def endpoint(self) -> StsEndpoint:
        """The STS endpoint tokens are signed for."""
        return self._resolve()[1]

    @property
    def region(self) -> str | None:
        """The resolved region (None: none configured, the global endpoint is used)."""
        self._resolve()
        return self._region

    @property
    def credential_method(self) -> str:
        """Where the signing credentials came from, in botocore's words."""
        from eks_token.aws.session import credential_method

        return credential_method(self._resolve()[0])

    def credentials(self, *, now: datetime | None = None) -> AwsCredentials:
        """The credentials tokens are signed with at ``now`` (default: the current time);
        ones that would end too soon are refreshed first, or refused naming their source
        (:func:`~eks_token.aws.expiry.lasting_credentials`)."""
        from eks_token.aws.expiry import lasting_credentials

        source, _ = self._resolve()
        if isinstance(source, _StaticSource):
            source = source.effective()
        static = source.fixed_credentials() if isinstance(source, _StaticSource) else None
        return lasting_credentials(
            source,
            now if now is not None else utc_now(),
            static=static,
            role_arn=self.role_arn,
            session=self._session if static is None else None,
            profile=self.profile,
        )

    def cache_key(self, cluster_id: str) -> dict[str, str]:
        """Key material for a token cache: the scheme ``eks-token token`` uses.

        The signer's options and the AWS variables and files of its environment, so a
        :class:`~eks_token.cache.file_cache.FileTokenCache` shares entries with the command for the
        same request. Credentials or a botocore session given to the signer are not in
        the environment: a hash of those base credentials (never the secret itself) and
        the resolved STS endpoint are added.
        """
        from eks_token.cache.key import token_cache_key

        base = self._given_base_credentials()
        key = token_cache_key(cluster_id, self.options, credentials=base, environ=self._environ)
        if base is not None:
            key["resolved_sts_endpoint"] = self.endpoint.url
            key["resolved_signing_region"] = self.endpoint.signing_region
        return key

    def _given_base_credentials(self) -> AwsCredentials | None:
        if isinstance(self._explicit, AwsCredentials):
            return self._explicit
        from eks_token.aws.session import base_credentials, freeze

        if self._explicit is not None:
            return freeze(self._explicit)
        if self._session_given:
            session = self._botocore_session()
            return freeze(base_credentials(session), session=session)
        return None

    def get_token(self, cluster_id: str, *, now: datetime | None = None) -> Token:
        """A fresh token for ``cluster_id``, signed at ``now`` (default: the current time)."""
        validate_cluster_id(cluster_id)
        moment = now if now is not None else utc_now()
        credentials = self.credentials(now=moment)
        return sign_token(cluster_id, credentials, self.endpoint, moment)


def get_token(
    cluster_id: str,
    *,
    session: Session | None = None,
    credentials: AwsCredentials | FrozenCredentialSource | None = None,
    now: datetime | None = None,
    cache: TokenCache | None = None,
    **options: Unpack[SignerOptionArgs],
) -> Token:
    """Return a token for ``cluster_id`` (the EKS cluster name, or an Outposts cluster id).

    Every argument but ``cluster_id`` is optional; see :class:`TokenSigner`.
    ``now`` fixes the signing time (tests, reproducible tokens). With ``cache``
    (for example :class:`~eks_token.cache.file_cache.FileTokenCache`), a token cached for the
    same request and environment is returned while it is fresh at ``now``; the
    key is :func:`~eks_token.cache.key.token_cache_key`, so credentials must come
    from the environment, a profile or ``credentials`` as AwsCredentials.
    """
    if cache is not None and (
        session is not None or not isinstance(credentials, (AwsCredentials, type(None)))
    ):
        raise InvalidInputError(
            "a token cache cannot tell the identity of a botocore session or credential "
            "source apart; pass a profile or AwsCredentials, or no cache",
            option="cache",
        )
    signer = TokenSigner(session=session, credentials=credentials, **options)
    if cache is None:
        return signer.get_token(cluster_id, now=now)
    from eks_token.cache.file_cache import fetch_or_sign

    validate_cluster_id(cluster_id)
    moment = now if now is not None else utc_now()
    key = signer.cache_key(cluster_id)
    return fetch_or_sign(
        cache,
        key,
        moment,
        lambda: signer.get_token(cluster_id, now=moment),
        rekey=lambda: signer.cache_key(cluster_id),  # signing may cache role credentials
    )
