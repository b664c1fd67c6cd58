"""The cache of roles eks-token assumes itself (``--role-arn``, ``DEFAULT_ROLE``).

Entries live beside the AWS CLI's in ``~/.aws/cli/cache``, in the same format, as
``eks-token-role-<SHA-256>.json`` (see :func:`~eks_token.aws.cli_cache.own_role_entry_name`
for what the key covers). Read here without botocore; botocore's AssumeRole
fetcher writes them through :class:`~eks_token.aws.cli_cache.FixedKeyCache`.
"""

from __future__ import annotations

import time

from eks_token.aws.cli_cache import (
    EXPIRY_WINDOW_SECONDS,
    CredentialFileCache,
    FixedKeyCache,
    cli_cache_dir,
    entry_credentials,
    own_role_entry_name,
)
from eks_token.core.credentials import AwsCredentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from eks_token.core.endpoints import EndpointSettings

__all__ = ["cached_own_role", "own_role_cache"]


def own_role_cache(
    environ: Mapping[str, str],
    base: AwsCredentials,
    *,
    role_arn: str,
    session_name: str,
    external_id: str | None,
    region: str | None,
    settings: EndpointSettings,
) -> FixedKeyCache:
    """The entry for assuming ``role_arn`` with ``base``, as these settings send it."""
    name = own_role_entry_name(
        base,
        role_arn=role_arn,
        session_name=session_name,
        external_id=external_id,
        region=region,
        endpoint=(
            settings.endpoint_url,
            settings.regional_mode,
            settings.use_fips,
            settings.use_dualstack,
        ),
    )
    return FixedKeyCache(CredentialFileCache(cli_cache_dir(environ)), name)


def cached_own_role(
    cache: FixedKeyCache, now: float | None = None
) -> tuple[AwsCredentials, float] | None:
    """The entry's credentials and expiry while botocore would still use them, else None."""
    found = entry_credentials(cache.cache.load(cache.name))
    if found is None:
        return None
    access_key, secret_key, token, expires = found
    if expires - (time.time() if now is None else now) < EXPIRY_WINDOW_SECONDS:
        return None
    return AwsCredentials(access_key, secret_key, token), expires
