"""The on-disk form of one cached token: a few text lines, checked whole on read.

::

    eks-token cache entry 1
    expires 1795901584
    token k8s-aws-v1.aHR0cHM6Ly9zdHMu...
    cluster my-cluster
    key cluster_id my-cluster
    key region us-west-2
    ...
    end

Names and values are escaped (backslash, space, CR, LF) so that each fits on
one line. The key lines are compared as a whole with the request's, so an
entry is served only for exactly the key it was written for.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CacheEntry", "decode_entry", "encode_entry", "key_text", "servable"]

HEADER = "eks-token cache entry 1"
FOOTER = "end"
TOKEN_PREFIX = "k8s-aws-v1."
_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Entries are a few kilobytes; anything larger is not ours.
MAX_ENTRY_BYTES = 64 * 1024


class CacheEntry:
    """A decoded entry; ``key_lines`` is the key text it was written for."""

    __slots__ = ("cluster_id", "expires", "key_lines", "token")

    def __init__(self, token: str, expires: int, cluster_id: str | None, key_lines: str) -> None:
        self.token = token
        self.expires = expires
        self.cluster_id = cluster_id
        self.key_lines = key_lines

    def __repr__(self) -> str:
        return f"CacheEntry(cluster_id={self.cluster_id!r}, expires={self.expires})"

    def fresh_for(self, key_lines: str, now: float, margin: float) -> bool:
        """True when written for ``key_lines`` and, at ``now`` (epoch seconds), more than
        ``margin`` seconds remain before it expires."""
        return self.key_lines == key_lines and self.expires - now > margin

    def key(self) -> dict[str, str]:
        """The key material, unescaped."""
        pairs = (line.split(" ")[1:] for line in self.key_lines.split("\n") if line)
        return {_unescape(name): _unescape(value) for name, value in pairs}


def key_text(key: Mapping[str, str]) -> str:
    """The canonical text of ``key``: one ``key NAME VALUE`` line per item, sorted."""
    return "\n".join(f"key {_escape(name)} {_escape(key[name])}" for name in sorted(key))


def servable(token: str) -> bool:
    """True for a ``k8s-aws-v1.`` token whose characters need no escaping in JSON."""
    body = token[len(TOKEN_PREFIX) :]
    return token.startswith(TOKEN_PREFIX) and bool(body) and not body.strip(_TOKEN_ALPHABET)


def encode_entry(key_lines: str, token: str, expires: int, cluster_id: str | None) -> bytes:
    lines = [HEADER, f"expires {expires}", f"token {token}"]
    if cluster_id is not None:
        lines.append(f"cluster {_escape(cluster_id)}")
    lines.extend((key_lines, FOOTER, ""))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def decode_entry(data: bytes) -> CacheEntry | None:
    """The entry in ``data``, or None when it is incomplete, corrupt or not servable."""
    try:
        lines = data.decode("utf-8", "surrogatepass").split("\n")
    except UnicodeDecodeError:
        return None
    if len(lines) < 6 or lines[0] != HEADER or lines[-2:] != [FOOTER, ""]:
        return None
    expires, token = lines[1], lines[2]
    if not expires.startswith("expires ") or not token.startswith("token "):
        return None
    seconds, token = expires[8:], token[6:]
    if not (seconds.isascii() and seconds.isdigit()) or not servable(token):
        return None
    cluster_id = None
    first_key = 3
    if lines[3].startswith("cluster "):
        cluster_id = _unescape(lines[3][8:])
        first_key = 4
    key_lines = lines[first_key:-2]
    if not all(line.startswith("key ") and line.count(" ") == 2 for line in key_lines):
        return None
    return CacheEntry(token, int(seconds), cluster_id, "\n".join(key_lines))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace(" ", "\\s")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return "\\".join(
        part.replace("\\s", " ").replace("\\n", "\n").replace("\\r", "\r")
        for part in text.split("\\\\")
    )
