"""Tokens for asyncio programs: :class:`~eks_token.aio.provider.AsyncTokenProvider`."""

__all__: list[str] = []
