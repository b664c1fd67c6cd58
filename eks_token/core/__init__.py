"""The signing core: SigV4, the token, credentials, STS endpoints and signer options. No I/O."""

__all__: list[str] = []
