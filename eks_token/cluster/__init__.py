"""The cluster's side: token rules, the verifier, identities, ARNs, aws-auth, Kubernetes API."""

__all__: list[str] = []
