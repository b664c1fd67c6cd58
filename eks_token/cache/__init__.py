"""The token cache: the interface, an in-memory cache, and the cache on disk shared by processes."""

from __future__ import annotations

# Names load on first use: importing the package imports none of its modules.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_EXPORTS: dict[str, str] = {
    "FRESHNESS_MARGIN": "interface",
    "FileTokenCache": "file_cache",
    "MemoryTokenCache": "interface",
    "TokenCache": "interface",
    "fetch_or_sign": "file_cache",
    "token_cache_key": "key",
}

__all__ = [
    "FRESHNESS_MARGIN",
    "FileTokenCache",
    "MemoryTokenCache",
    "TokenCache",
    "fetch_or_sign",
    "token_cache_key",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
