"""The ``eks-token`` command line: one module per command; ``main`` dispatches."""

__all__: list[str] = []
