"""HTTP plumbing shared by the cluster side and the transports: pinned TLS, failure reasons."""

__all__: list[str] = []
