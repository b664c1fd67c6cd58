"""The EKS stand-in answers only what botocore's EKS model allows, and botocore reads it."""

from __future__ import annotations

import pytest

from tests.support.eks_standin import eks_model, validate


def output(operation: str) -> object:
    return eks_model().operation_model(operation).output_shape


def test_the_validator_refuses_what_eks_would_never_send() -> None:
    validate(output("ListAccessEntries"), {"accessEntries": ["arn:aws:iam::1:role/r"]})
    with pytest.raises(AssertionError, match="not in ListAccessEntriesResponse"):
        validate(output("ListAccessEntries"), {"entries": []})
    with pytest.raises(AssertionError, match="not in"):
        validate(
            output("DescribeCluster"),
            {"cluster": {"accessConfig": {"authenticationMode": "API_ONLY"}}},
        )
    with pytest.raises(AssertionError, match="expected a list"):
        validate(output("DescribeAccessEntry"), {"accessEntry": {"kubernetesGroups": "devs"}})
