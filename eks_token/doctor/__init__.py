"""``eks-token doctor``: the chain from kubeconfig to RBAC, link by link."""

__all__: list[str] = []
