"""The AWS boundary: botocore sessions and settings, credentials, the signer, EKS, EC2."""

__all__: list[str] = []
