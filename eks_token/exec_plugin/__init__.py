"""The exec plugin's start-up path: kubectl's exec info, lean JSON, the request resolver."""

__all__: list[str] = []
