"""The origin a bearer token is bound to: scheme, host and effective port of the API server.

Every HTTP adapter sends the token only to its server's origin and decides "same origin"
with :func:`origin`; none imports an HTTP library here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from eks_token.errors import InvalidInputError

__all__ = ["Origin", "canonical_origin", "canonical_url", "origin", "server_origin"]

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def origin(url: str) -> Origin | None:
    """(scheme, host, effective port), all normalised; None for a URL that has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range, an unclosed bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def server_origin(server: str) -> Origin:
    """The origin of the API server URL ``server``; refused when it has none."""
    found = origin(server)
    if found is None:
        raise InvalidInputError(
            f"the API server URL {server!r} is not http(s)://HOST[:PORT]", option="server"
        )
    return found


def canonical_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: lower case, without a default port."""
    found = origin(url)
    if found is None:
        raise InvalidInputError(f"{url!r} is not an http(s) URL", option="server")
    scheme, host, port = found
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if port == _DEFAULT_PORTS[scheme] else f":{port}")


def canonical_url(url: str) -> str:
    """``url`` with its origin written as :func:`canonical_origin` writes it."""
    parts = urlsplit(url)
    rest = parts.path or "/"
    if parts.query:
        rest += "?" + parts.query
    return canonical_origin(url) + rest
