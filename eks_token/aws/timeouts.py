"""Network timeouts for the calls a token can need (AssumeRole, SSO, web identity).

``EKS_TOKEN_CONNECT_TIMEOUT`` and ``EKS_TOKEN_READ_TIMEOUT`` (seconds; 0 waits as long as
it takes) become the default client config of every botocore session we make, which the
credential providers' STS and SSO clients inherit. ``get-token --cli-connect-timeout`` and
``--cli-read-timeout`` set them, as the AWS CLI's options of the same name do for its calls.
"""

from __future__ import annotations

import math

from eks_token.errors import InvalidInputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CONNECT_TIMEOUT_VARIABLE",
    "MAX_TIMEOUT",
    "READ_TIMEOUT_VARIABLE",
    "configured_timeouts",
    "parse_timeout",
]

CONNECT_TIMEOUT_VARIABLE = "EKS_TOKEN_CONNECT_TIMEOUT"
READ_TIMEOUT_VARIABLE = "EKS_TOKEN_READ_TIMEOUT"
MAX_TIMEOUT = 3600.0


def parse_timeout(text: str, where: str) -> float:
    """Seconds from ``text``: a number from 0 (no timeout) to an hour; ``where`` names it."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_TIMEOUT):
        raise InvalidInputError(
            f"{where} takes seconds from 0 (no timeout) to {MAX_TIMEOUT:.0f}, not {text!r}",
            option=where,
        )
    return seconds


def configured_timeouts(environ: Mapping[str, str]) -> dict[str, float | None]:
    """``connect_timeout`` / ``read_timeout`` for botocore's Config, for the variables set."""
    found: dict[str, float | None] = {}
    for name, variable in (
        ("connect_timeout", CONNECT_TIMEOUT_VARIABLE),
        ("read_timeout", READ_TIMEOUT_VARIABLE),
    ):
        text = environ.get(variable)
        if text:
            seconds = parse_timeout(text, variable)
            found[name] = seconds or None  # 0: wait as long as it takes, as the AWS CLI
    return found
