"""What the provider tests share: the example identity, a controllable credential source."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from eks_token.core.credentials import AwsCredentials
from eks_token.core.token import Token
from eks_token.errors import CredentialsError
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY
from tests.support.sigv4_check import check_token

__all__ = ["CLUSTER", "EXAMPLE", "KEYS", "WAIT", "GatedCredentials", "assert_valid"]

CLUSTER = "my-cluster"
KEYS = {EXAMPLE_ACCESS_KEY_ID: EXAMPLE_SECRET_ACCESS_KEY}
EXAMPLE = AwsCredentials(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY)
WAIT = 30  # seconds; only a guard against a hung test, never reached when it passes


@dataclass
class _Frozen:
    access_key: str
    secret_key: str
    token: str | None = None


class GatedCredentials:
    """A credential source (botocore's interface) that can hold the signing thread, or fail."""

    def __init__(self) -> None:
        self.hold = False
        self.fail = False
        self.signing = threading.Event()
        self.release = threading.Event()

    def get_frozen_credentials(self) -> _Frozen:
        if self.fail:
            raise CredentialsError("the credential source is down")
        if self.hold:
            self.signing.set()
            assert self.release.wait(WAIT)
        return _Frozen(EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY)


def assert_valid(token: Token, at: datetime) -> None:
    result = check_token(token.value, cluster_id=CLUSTER, keys=KEYS, now=at)
    assert result.ok, result.reason
    assert not token.expired(at)
