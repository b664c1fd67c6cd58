"""Finding a signer's credentials and STS endpoint, once: without botocore where the
environment or profile files answer alone (and a role's cached credentials with them),
else through a botocore session; with ``role_arn``, the role's credentials."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from eks_token.aws.static_source import StaticSource as _StaticSource
from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource
from eks_token.core.endpoints import StsEndpoint, resolve_sts_endpoint
from eks_token.core.inputs import validate_region
from eks_token.errors import InvalidInputError

if TYPE_CHECKING:
    from botocore.session import Session

    from eks_token.aws.environment import EnvironmentResolution
    from eks_token.core.endpoints import EndpointSettings
    from eks_token.core.options import SignerOptions

__all__ = ["CredentialResolver"]


class CredentialResolver:
    """The credential source, region and STS endpoint of one :class:`TokenSigner`.

    Credentials come from, in this order: ``credentials`` (explicit), ``session``
    (a botocore session), the profile, or botocore's default chain; with the
    options' ``role_arn`` they are exchanged for the role's. Resolved on first use,
    once, however many threads ask.
    """

    def __init__(
        self,
        options: SignerOptions,
        *,
        session: Session | None,
        credentials: AwsCredentials | FrozenCredentialSource | None,
        environ: Mapping[str, str],
        credential_cache: bool,
    ) -> None:
        self.options = options
        self.session = session
        self.session_given = session is not None
        self.explicit = credentials
        self.environ = environ
        self.credential_cache = credential_cache
        self._source: FrozenCredentialSource | None = None
        self._endpoint: StsEndpoint | None = None
        self._region: str | None = None
        self._lock = threading.Lock()

    @property
    def profile(self) -> str | None:
        return self.options.profile

    @property
    def role_arn(self) -> str | None:
        return self.options.role_arn

    @property
    def region(self) -> str | None:
        """The resolved region (None: none configured)."""
        self.resolve()
        return self._region

    def resolve(self) -> tuple[FrozenCredentialSource, StsEndpoint]:
        """The credential source and STS endpoint, resolved on the first call."""
        source, endpoint = self._source, self._endpoint
        if source is not None and endpoint is not None:
            return source, endpoint
        with self._lock:
            return self._resolve_once()

    def botocore_session(self) -> Session:
        if self.session is None:
            from eks_token.aws.session import make_session

            self.session = make_session(self.profile, self.environ, cli_cache=self.credential_cache)
        return self.session

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

        session = self.botocore_session()
        if found is None:
            region = aws.resolve_region(session, self.options.region, self.environ)
            settings = aws.sts_endpoint_settings(session, self.environ)
            if isinstance(self.explicit, AwsCredentials):
                source = _StaticSource(self.explicit, "explicit")
            elif self.explicit is not None:
                source = self.explicit
            else:
                from eks_token.aws.expiry import check_environment_expiration

                check_environment_expiration(session)
                source = aws.base_credentials(session)
        if self.role_arn:
            source = self._assume(session, source, region, settings)
        return self._settle(region, settings, source)

    def _lean_resolution(self) -> EnvironmentResolution | None:
        if self.session is not None or self.explicit is not None:
            return None
        from eks_token.aws.lean_profile import lean_resolution

        return lean_resolution(
            self.environ,
            self.profile,
            self.options.region,
            cli_cache=self.credential_cache,
        )

    def _botocore_base_source(self) -> FrozenCredentialSource:
        from eks_token.aws.session import base_credentials

        return base_credentials(self.botocore_session())

    def _cached_own_role(
        self, base: AwsCredentials, region: str | None, settings: EndpointSettings
    ) -> FrozenCredentialSource | None:
        """The role's cached credentials, without botocore, while botocore would use them."""
        if self.options.forward_session_name or not self.credential_cache:
            return None  # (a forwarded session name is known only after asking STS)
        from eks_token.aws.own_role import cached_own_role, own_role_cache
        from eks_token.aws.session import DEFAULT_ROLE_SESSION_NAME

        assert self.role_arn is not None
        cache = own_role_cache(
            self.environ,
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
            return self._assume(self.botocore_session(), source, region, settings)

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
        if self.credential_cache:
            from eks_token.aws.own_role import own_role_cache

            cache = own_role_cache(
                self.environ,
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

    def _region_source(self, region: str) -> str:
        """Where the region came from, for a message about it."""
        if self.options.region == region:
            return "--region"
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if self.environ.get(variable) == region:
                return variable
        config = self.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
        profile = self.profile or self.environ.get("AWS_PROFILE") or "default"
        return f"the region setting of profile {profile!r} in {config}"

    def _settle(
        self, region: str | None, settings: EndpointSettings, source: FrozenCredentialSource
    ) -> tuple[FrozenCredentialSource, StsEndpoint]:
        if region is not None:
            try:
                validate_region(region)
            except InvalidInputError as exc:
                raise InvalidInputError(
                    f"{exc} (from {self._region_source(region)})", option="region"
                ) from None
        endpoint = resolve_sts_endpoint(
            region,
            regional_mode=settings.regional_mode,
            use_fips=settings.use_fips,
            use_dualstack=settings.use_dualstack,
            endpoint_url=self.options.sts_endpoint_url or settings.endpoint_url,
        )
        self._region, self._source, self._endpoint = region, source, endpoint
        return source, endpoint
