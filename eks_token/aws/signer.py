"""Making tokens: resolve identity and endpoint once, sign as often as needed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.aws.resolver import CredentialResolver
from eks_token.aws.static_source import StaticSource as _StaticSource
from eks_token.clock import utc_now
from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource
from eks_token.core.endpoints import StsEndpoint
from eks_token.core.inputs import validate_cluster_id
from eks_token.core.options import SignerOptions
from eks_token.core.signing import sign_token
from eks_token.core.token import Token
from eks_token.errors import InvalidInputError

if TYPE_CHECKING:
    from typing import Unpack

    from botocore.session import Session

    from eks_token.cache.interface import TokenCache
    from eks_token.cache.key import CacheKey
    from eks_token.core.options import SignerOptionArgs
    from eks_token.exec_plugin.request import TokenRequest

__all__ = ["TokenSigner", "get_token"]


class TokenSigner:
    """One AWS identity and STS endpoint, resolved on first use, for any number of clusters.

    Credentials come from, in this order: ``credentials`` (explicit), ``session``
    (a botocore session), ``profile``, or botocore's default chain. With
    ``role_arn`` they are exchanged for the role's through AssumeRole (and
    assumed again before they expire). ``credential_cache=False`` keeps role
    credentials out of ``~/.aws/cli/cache`` (default: ``EKS_TOKEN_NO_CACHE`` decides).
    """

    def __init__(
        self,
        options: SignerOptions | None = None,
        *,
        session: Session | None = None,
        credentials: AwsCredentials | FrozenCredentialSource | None = None,
        environ: Mapping[str, str] | None = None,
        credential_cache: bool | None = None,
        **fields: Unpack[SignerOptionArgs],
    ) -> None:
        if options is not None and fields:
            raise InvalidInputError(
                "give SignerOptions or its fields as keywords, not both", option="options"
            )
        self.options = options if options is not None else SignerOptions(**fields)
        self._environ = os.environ if environ is None else environ
        if credential_cache is None:
            from eks_token.cache.files import cache_disabled

            credential_cache = not cache_disabled(self._environ)
        self._resolver = CredentialResolver(
            self.options,
            session=session,
            credentials=credentials,
            environ=self._environ,
            credential_cache=credential_cache,
        )

    @classmethod
    def for_request(
        cls, request: TokenRequest, *, credential_cache: bool | None = None
    ) -> TokenSigner:
        """The signer a resolved request describes: its options, in its environment."""
        return cls(request.options, environ=request.environ, credential_cache=credential_cache)

    @property
    def credential_cache(self) -> bool:
        """True: role credentials are read from and written to ``~/.aws/cli/cache``
        (shared with the AWS CLI), for profiles' roles and ``role_arn`` alike. Set with
        the constructor's ``credential_cache`` (default: on unless ``EKS_TOKEN_NO_CACHE``)."""
        return self._resolver.credential_cache

    @property
    def profile(self) -> str | None:
        return self.options.profile

    @property
    def role_arn(self) -> str | None:
        return self.options.role_arn

    @property
    def endpoint(self) -> StsEndpoint:
        """The STS endpoint tokens are signed for."""
        return self._resolver.resolve()[1]

    @property
    def region(self) -> str | None:
        """The resolved region (None: none configured, the global endpoint is used)."""
        return self._resolver.region

    @property
    def credential_method(self) -> str:
        """Where the signing credentials came from, in botocore's words."""
        from eks_token.aws.session import credential_method

        return credential_method(self._resolver.resolve()[0])

    def credentials(self, *, now: datetime | None = None) -> AwsCredentials:
        """The credentials tokens are signed with at ``now`` (default: the current time);
        ones that would end too soon are refreshed first, or refused naming their source
        (:func:`~eks_token.aws.expiry.lasting_credentials`)."""
        from eks_token.aws.expiry import lasting_credentials

        source, _ = self._resolver.resolve()
        if isinstance(source, _StaticSource):
            source = source.effective()
        static = source.fixed_credentials() if isinstance(source, _StaticSource) else None
        return lasting_credentials(
            source,
            now if now is not None else utc_now(),
            static=static,
            role_arn=self.role_arn,
            session=self._resolver.session if static is None else None,
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
        return self.request_key(cluster_id).material

    def request_key(self, cluster_id: str) -> CacheKey:
        """:meth:`cache_key` with the state of the files it looked at, for storing a token
        signed for it (:meth:`~eks_token.cache.key.CacheKey.after_signing`)."""
        from eks_token.cache.key import request_key

        base = self._given_base_credentials()
        key = request_key(cluster_id, self.options, credentials=base, environ=self._environ)
        if base is not None:
            key.material["resolved_sts_endpoint"] = self.endpoint.url
            key.material["resolved_signing_region"] = self.endpoint.signing_region
        return key

    def _given_base_credentials(self) -> AwsCredentials | None:
        explicit = self._resolver.explicit
        if isinstance(explicit, AwsCredentials):
            return explicit
        from eks_token.aws.session import base_credentials, freeze

        if explicit is not None:
            return freeze(explicit)
        if self._resolver.session_given:
            session = self._resolver.botocore_session()
            return freeze(base_credentials(session), session=session)
        return None

    def get_token(self, cluster_id: str, *, now: datetime | None = None) -> Token:
        """A fresh token for ``cluster_id``, signed at ``now`` (default: the current time)."""
        validate_cluster_id(cluster_id)
        moment = now if now is not None else utc_now()
        credentials, endpoint = self.signing_inputs(moment)
        return sign_token(cluster_id, credentials, endpoint, moment)

    def signing_inputs(self, now: datetime) -> tuple[AwsCredentials, StsEndpoint]:
        """The credentials and endpoint a token signed at ``now`` takes: everything that
        may wait on the network or a process (botocore's credential providers, AssumeRole,
        the AWS CLI cache); signing with them (:func:`~eks_token.core.signing.sign_token`)
        is CPU only."""
        return self.credentials(now=now), self.endpoint


def get_token(
    cluster_id: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    forward_session_name: bool = False,
    sts_endpoint_url: str | None = None,
    session: Session | None = None,
    credentials: AwsCredentials | FrozenCredentialSource | None = None,
    now: datetime | None = None,
    cache: TokenCache | None = None,
    credential_cache: bool | None = None,
) -> Token:
    """Return a token for ``cluster_id`` (the EKS cluster name, or an Outposts cluster id).

    Every argument but ``cluster_id`` is optional. ``region`` picks the STS endpoint
    (default: the profile's or the environment's region). Credentials come from
    ``credentials``, else ``session`` (a botocore session), else ``profile``, else
    botocore's default chain. ``role_arn`` is assumed with them (``external_id``,
    ``session_name`` or ``forward_session_name``: the caller's own session name, go
    with it). ``sts_endpoint_url`` overrides the endpoint. ``credential_cache=False``
    keeps role credentials out of ``~/.aws/cli/cache``. See :class:`TokenSigner`.
    ``now`` fixes the signing time (tests, reproducible tokens). With ``cache``
    (for example :class:`~eks_token.cache.file_cache.FileTokenCache`), a token cached for the
    same request and environment is returned while it is fresh at ``now``
    (:func:`~eks_token.aws.obtain.obtain_token`); the key is
    :func:`~eks_token.cache.key.token_cache_key`, so credentials must come from the
    environment, a profile or ``credentials`` as AwsCredentials.
    """
    if cache is not None and (
        session is not None or not isinstance(credentials, (AwsCredentials, type(None)))
    ):
        raise InvalidInputError(
            "a token cache cannot tell the identity of a botocore session or credential "
            "source apart; pass a profile or AwsCredentials, or no cache",
            option="cache",
        )
    options = SignerOptions(
        region=region,
        profile=profile,
        role_arn=role_arn,
        external_id=external_id,
        session_name=session_name,
        forward_session_name=forward_session_name,
        sts_endpoint_url=sts_endpoint_url,
    )
    signer = TokenSigner(
        options, session=session, credentials=credentials, credential_cache=credential_cache
    )
    if cache is None:
        return signer.get_token(cluster_id, now=now)
    from eks_token.aws.obtain import obtain_token

    return obtain_token(signer, cluster_id, cache=cache, now=now).token
