"""The token cache's policy: a request's token from the cache while fresh, else signed."""

from __future__ import annotations

from eks_token.clock import utc_now
from eks_token.core.inputs import validate_cluster_id

# Not typing/dataclasses: this module is on the exec plugin's path on every cache miss.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime

    from eks_token.aws.signer import TokenSigner
    from eks_token.cache.interface import TokenCache
    from eks_token.cache.key import CacheKey
    from eks_token.core.token import Token

__all__ = ["ObtainedToken", "obtain_token"]


class ObtainedToken:
    """A token, whether it came from the cache, and the moment it was asked for at."""

    __slots__ = ("from_cache", "now", "token")

    def __init__(self, token: Token, from_cache: bool, now: datetime) -> None:
        self.token = token
        self.from_cache = from_cache
        self.now = now

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ObtainedToken):
            return NotImplemented
        return (self.token, self.from_cache, self.now) == (other.token, other.from_cache, other.now)

    def __hash__(self) -> int:
        return hash((self.token.value, self.from_cache, self.now))

    def __repr__(self) -> str:
        return f"ObtainedToken({self.token!r}, from_cache={self.from_cache}, now={self.now!r})"


def obtain_token(
    signer: TokenSigner,
    cluster_id: str,
    *,
    cache: TokenCache | None,
    now: datetime | None = None,
    cache_fixed_time: bool = True,
    key: CacheKey | None = None,
) -> ObtainedToken:
    """``cluster_id``'s token at ``now`` (default: the current time).

    From ``cache`` while it holds one for the same request (:meth:`TokenSigner.request_key`,
    or ``key`` when the caller has computed it for this signer's request already) that is
    fresh at ``now``; else signed by ``signer`` as of ``now`` and stored under that key,
    when the files it looks at still describe what was signed
    (:func:`~eks_token.cache.file_cache.store_signed`; otherwise the token is returned
    and not stored). With ``cache`` None, or a ``now`` given while ``cache_fixed_time`` is
    False (a token signed as of a time the caller chose, ``--signing-time``), it is signed
    and the cache is neither read nor written.
    """
    validate_cluster_id(cluster_id)
    moment = now if now is not None else utc_now()
    if cache is None or (now is not None and not cache_fixed_time):
        return ObtainedToken(signer.get_token(cluster_id, now=moment), False, moment)
    from eks_token.cache.file_cache import fetch_or_sign

    signed: list[Token] = []

    def sign() -> Token:
        signed.append(signer.get_token(cluster_id, now=moment))
        return signed[-1]

    request = key if key is not None else signer.request_key(cluster_id)
    token = fetch_or_sign(cache, request, moment, sign)
    return ObtainedToken(token, not signed, moment)
