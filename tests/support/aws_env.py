"""An isolated AWS environment for one test, with AWS's documented example keys."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EXAMPLE_REGION = "us-west-2"
CLEARED = ("KUBECONFIG", "KUBERNETES_EXEC_INFO")


@dataclass(frozen=True)
class AwsEnv:
    home: Path
    config_file: Path
    credentials_file: Path
    access_key_id: str = EXAMPLE_ACCESS_KEY_ID
    secret_access_key: str = EXAMPLE_SECRET_ACCESS_KEY
    region: str = EXAMPLE_REGION


def isolate_aws_env(monkeypatch: pytest.MonkeyPatch, home: Path, aws_dir: Path) -> AwsEnv:
    """Drop every AWS_* and kubeconfig variable, point HOME and the AWS files into tmp (the
    files are not created), disable IMDS and set the example keys and region."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name in CLEARED:
            monkeypatch.delenv(name)
    env = AwsEnv(home, aws_dir / "config", aws_dir / "credentials")
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(env.config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(env.credentials_file))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", env.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", env.secret_access_key)
    monkeypatch.setenv("AWS_REGION", env.region)
    return env
