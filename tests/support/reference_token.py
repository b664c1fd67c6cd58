"""Tokens minted by botocore itself, the way `aws eks get-token` does it."""

from __future__ import annotations

import base64
import functools
import os
from datetime import datetime, timezone
from typing import Any
from unittest import mock

import botocore.session

EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@functools.cache
def _session(sts_regional_endpoints: str | None) -> botocore.session.Session:
    session = botocore.session.Session()
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    session.set_config_variable("ignore_configured_endpoint_urls", True)
    session.set_config_variable("use_fips_endpoint", False)
    session.set_config_variable("use_dualstack_endpoint", False)
    session.set_config_variable("sts_regional_endpoints", sts_regional_endpoints or "regional")
    return session


def presigned_url(
    cluster_id: str | None,
    *,
    when: datetime,
    region: str = "us-west-2",
    access_key_id: str = EXAMPLE_ACCESS_KEY_ID,
    secret_access_key: str = EXAMPLE_SECRET_ACCESS_KEY,
    session_token: str | None = None,
    endpoint_url: str | None = None,
    sts_regional_endpoints: str | None = None,
) -> str:
    """A presigned GetCallerIdentity URL signed by botocore at `when` (timezone-aware), with
    `x-k8s-aws-id: cluster_id` as a signed header (none if cluster_id is None)."""
    if when.tzinfo is None:
        raise ValueError("when must be timezone-aware")
    client = _session(sts_regional_endpoints).create_client(
        "sts",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
    )

    def add_cluster_id(request: Any, **kwargs: Any) -> None:
        request.headers["x-k8s-aws-id"] = cluster_id

    if cluster_id is not None:
        client.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_id)
    signing_time = when.astimezone(timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=signing_time):
        url: str = client.generate_presigned_url(
            "get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET"
        )
    return url


def token_for_url(url: str) -> str:
    encoded = base64.urlsafe_b64encode(url.encode()).decode("ascii").rstrip("=")
    return "k8s-aws-v1." + encoded


def mint_token(cluster_id: str, *, when: datetime, **options: Any) -> str:
    """`k8s-aws-v1.` + unpadded URL-safe base64 of `presigned_url(cluster_id, ...)`."""
    return token_for_url(presigned_url(cluster_id, when=when, **options))
