"""The signing core: SigV4, the token, credentials, STS endpoints and signer options (no I/O);
and the one atomic file writer the layers above share (``atomic_file``)."""

__all__: list[str] = []
