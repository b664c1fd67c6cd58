"""Tokens inside a program: the refreshing provider and signing for a kubeconfig context."""

__all__: list[str] = []
