"""A token that stays fresh: one provider per cluster and identity, safe to share between threads.

The provider hands out its current :class:`~eks_token.core.token.Token` until less than
``margin`` is left, then signs a new one. Only one thread signs at a time
(single flight): while the old token is still valid the others keep using it,
and once it has expired they wait for the new one instead of signing too.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from eks_token.aws.signer import TokenSigner
from eks_token.cache.entry import FRESH, INVALID, STALE, token_signed_at
from eks_token.cache.interface import FRESHNESS_MARGIN, TokenCache, state_of
from eks_token.clock import Clock, utc_now
from eks_token.core.inputs import validate_cluster_id
from eks_token.core.token import TOKEN_LIFETIME, Token
from eks_token.errors import CacheError, EksTokenError, InvalidInputError

if TYPE_CHECKING:
    from typing import Unpack

    from botocore.session import Session

    from eks_token.cache.key import CacheKey
    from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource
    from eks_token.core.options import SignerOptionArgs

__all__ = ["DEFAULT_REFRESH_MARGIN", "FRESH", "INVALID", "STALE", "TokenProvider", "freshness"]


#: Refresh once fewer than six minutes are left: the same margin the token caches
#: serve with, so a token the cache hands back is always one the provider keeps.
DEFAULT_REFRESH_MARGIN = FRESHNESS_MARGIN

_log = logging.getLogger(__name__)


def freshness(token: Token | None, now: datetime, margin: timedelta) -> str:
    """How a provider treats ``token`` at ``now``: the cache's state of it
    (:func:`~eks_token.cache.interface.state_of`): :data:`FRESH` (more than ``margin`` left:
    hand it out), :data:`STALE` (still valid: one caller refreshes, the others keep using
    it) or :data:`INVALID` (expired, signed ahead of the clock beyond STS's skew, or no token:
    callers wait for a new one)."""
    return INVALID if token is None else state_of(token, now, margin)


class TokenProvider:
    """The current token for one cluster and one AWS identity, refreshed ahead of expiry.

    Give either ``signer`` (a :class:`~eks_token.aws.signer.TokenSigner`, which can be
    shared by the providers of many clusters) or the options to build one. ``cache``
    (any :class:`~eks_token.cache.interface.TokenCache`) is asked before signing and told about
    every new token. ``clock`` tells the time; it must return timezone-aware datetimes.
    """

    def __init__(
        self,
        cluster_id: str,
        *,
        signer: TokenSigner | None = None,
        cache: TokenCache | None = None,
        margin: timedelta = DEFAULT_REFRESH_MARGIN,
        clock: Clock = utc_now,
        session: Session | None = None,
        credentials: AwsCredentials | FrozenCredentialSource | None = None,
        **options: Unpack[SignerOptionArgs],
    ) -> None:
        self.cluster_id = validate_cluster_id(cluster_id)
        if not timedelta(0) <= margin < TOKEN_LIFETIME:
            raise InvalidInputError(
                f"the refresh margin must be at least zero and under {TOKEN_LIFETIME}",
                option="margin",
            )
        given = session is not None or credentials is not None or any(options.values())
        if signer is not None and given:
            raise InvalidInputError(
                "pass a signer or the options to build one, not both", option="signer"
            )
        self.signer = signer or TokenSigner(session=session, credentials=credentials, **options)
        #: A botocore session the environment does not describe (given, not made here).
        self.cache = cache
        self.margin = margin
        self.clock = clock
        self._token: Token | None = None
        self._refresh_count = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"TokenProvider(cluster_id={self.cluster_id!r}, margin={self.margin}, "
            f"refresh_count={self._refresh_count})"
        )

    @property
    def refresh_count(self) -> int:
        """How many times this provider has fetched a new token (signed or from the cache)."""
        return self._refresh_count

    def token(self) -> Token:
        """The current token, refreshed first when fewer than :attr:`margin` are left.

        Within the margin, a failed refresh is logged and the still-valid token is
        returned; once it has expired, the failure is raised.
        """
        now = self.clock()
        current = self._token
        standing = freshness(current, now, self.margin)
        if current is not None and standing == FRESH:
            return current
        if current is not None and standing == STALE:
            # Still usable: one thread refreshes, the others carry on with this one.
            if not self._lock.acquire(blocking=False):
                return current
            try:
                return self._refresh_locked(self.clock(), use_cache=True)
            except EksTokenError as exc:
                self._log_failed_refresh(current, now, exc)
                return current
            finally:
                self._lock.release()
        with self._lock:
            now = self.clock()
            current = self._token
            if current is not None and freshness(current, now, self.margin) == FRESH:
                return current
            return self._refresh_locked(now, use_cache=True)

    def _log_failed_refresh(self, current: Token, now: datetime, exc: Exception) -> None:
        _log.warning(
            "refreshing the token for cluster %r failed; using the current one for %s more: %s",
            self.cluster_id,
            current.remaining(now),
            exc,
        )

    def refresh(self, rejected: Token | str | None = None) -> Token:
        """Sign a new token now, bypassing the cache; for a token the server refused.

        When ``rejected`` (the token or its value) is given and the provider has
        already replaced it (another thread got there first), the current token is
        returned without signing again: any number of threads refreshing the same
        rejected token sign once.

        The new token always differs from the current one. Signing again within the
        second the current token was signed would give the very same bytes (the
        signature covers only the second), so such a refresh signs as of the next
        second instead (STS accepts that small a skew).
        """
        rejected_value = rejected.value if isinstance(rejected, Token) else rejected
        with self._lock:
            current = self._token
            if (
                rejected_value is not None
                and current is not None
                and current.value != rejected_value
            ):
                return current
            return self._refresh_locked(self._new_signing_time(current), use_cache=False)

    def _new_signing_time(self, current: Token | None) -> datetime:
        """Now, or the second after ``current``'s X-Amz-Date if that is the second now is in
        (a token signed ahead of now, while the clock was ahead, is not followed there)."""
        now = self.clock()
        signed = token_signed_at(current.value) if current is not None else None
        if signed is None or int(now.timestamp()) != signed:
            return now
        return datetime.fromtimestamp(signed + 1, timezone.utc)

    def invalidate(self) -> None:
        """Forget the current token; the next :meth:`token` fetches a new one."""
        with self._lock:
            self._token = None

    def cache_key(self) -> dict[str, str]:
        """Everything that decides which token is right, as key material for a cache
        (the scheme ``eks-token token`` uses: see :meth:`TokenSigner.cache_key`)."""
        return self.signer.cache_key(self.cluster_id)

    def _refresh_locked(self, now: datetime, *, use_cache: bool) -> Token:
        key, token = self._cached(now, use_cache=use_cache)
        if token is None:
            token = self.signer.get_token(self.cluster_id, now=now)
            self._store(key, token)
        return self._adopt(token)

    def _adopt(self, token: Token) -> Token:
        """Make ``token`` the current one (fetched from the cache or signed)."""
        self._token = token
        self._refresh_count += 1
        _log.debug("new token for cluster %r, valid until %s", self.cluster_id, token.expiration)
        return token

    def _cached(
        self, now: datetime, *, use_cache: bool = True
    ) -> tuple[CacheKey | None, Token | None]:
        """The cache key of this provider's request (None without a cache) and the cache's
        token for it if that is fresh at ``now`` (None too when ``use_cache`` is False)."""
        if self.cache is None:
            return None, None
        key = self.signer.request_key(self.cluster_id)
        if not use_cache:
            return key, None
        try:
            token = self.cache.get(key.material, now)
        except CacheError as exc:
            _log.warning("token cache unusable, signing instead: %s", exc)
            return key, None
        if token is None or freshness(token, now, self.margin) != FRESH:
            return key, None
        if token.cluster_id not in (None, self.cluster_id):
            return key, None
        return key, token

    def _store(self, key: CacheKey | None, token: Token) -> None:
        """Tell the cache (under ``key``, if that still describes the files) about a newly
        signed token."""
        if self.cache is None or key is None:
            return
        from eks_token.cache.file_cache import store_signed

        try:
            store_signed(self.cache, key, token)
        except CacheError as exc:
            _log.warning("could not store the token in the cache: %s", exc)
