"""Credentials found without botocore, shaped like botocore's credential objects."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from eks_token.core.credentials import AwsCredentials, FrozenCredentialSource

__all__ = ["StaticSource"]


class StaticSource:
    """Credentials found without botocore, shaped like botocore's credential objects.

    With ``expires`` (cached role credentials) they are used while botocore would use
    them; after that ``renew`` builds botocore's source, which takes over.
    """

    def __init__(
        self,
        credentials: AwsCredentials,
        method: str,
        expires: float | None = None,
        renew: Callable[[], FrozenCredentialSource] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self.method = method
        self.expires = expires
        self._renew = renew
        self._renewed: FrozenCredentialSource | None = None
        self._lock = threading.Lock()
        self._clock = clock

    def effective(self) -> FrozenCredentialSource:
        """This source while its fixed credentials serve; botocore's once it has taken over."""
        self.get_frozen_credentials()
        return self._renewed if self._renewed is not None else self

    def fixed_credentials(self) -> AwsCredentials:
        """The fixed credentials, with their expiry when they have one."""
        c = self.credentials
        if self.expires is None or c.expiry is not None:
            return c
        expiry = datetime.fromtimestamp(self.expires, timezone.utc)
        return AwsCredentials(c.access_key_id, c.secret_access_key, c.session_token, expiry=expiry)

    def get_frozen_credentials(self) -> Any:
        if self.expires is not None and self._renew is not None:
            from eks_token.aws.cli_cache import EXPIRY_WINDOW_SECONDS

            if self._renewed is not None or self.expires - self._clock() < EXPIRY_WINDOW_SECONDS:
                with self._lock:
                    if self._renewed is None:
                        self._renewed = self._renew()
                return self._renewed.get_frozen_credentials()
        c = self.credentials
        return _Frozen(c.access_key_id, c.secret_access_key, c.session_token)


class _Frozen:
    __slots__ = ("access_key", "secret_key", "token")

    def __init__(self, access_key: str, secret_key: str, token: str | None) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.token = token
