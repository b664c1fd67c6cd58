"""Small exec plugins written into a test's tmp_path, and running the doctor on a kubeconfig."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from eks_token.doctor.report import DoctorReport
from eks_token.doctor.run import run_doctor
from tests.support.sts_standin import StsStandin

__all__ = ["doctor", "failed", "fixed_token_plugin", "write_script"]


def write_script(directory: Path, name: str, body: str) -> Path:
    """An executable Python script ``directory/name`` running ``body``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


def fixed_token_plugin(
    directory: Path, token: str, *, name: str = "eks-token", expiration: str | None = None
) -> Path:
    """A plugin called ``name`` that answers the asked apiVersion with ``token``."""
    status: dict[str, str] = {"token": token}
    if expiration:
        status["expirationTimestamp"] = expiration
    body = (
        "import json, os, sys\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        f"status = json.loads({json.dumps(json.dumps(status))})\n"
        "print(json.dumps({'kind': 'ExecCredential', 'apiVersion': info['apiVersion'], "
        "'spec': {}, 'status': status}))\n"
    )
    return write_script(directory, name, body)


def doctor(
    kubeconfig: Path,
    standin: StsStandin,
    *,
    now: datetime | None = None,
    stdin_is_terminal: bool = False,
) -> DoctorReport:
    """The doctor in this process's environment (as kubectl would run), STS at the stand-in."""
    return run_doctor(
        kubeconfig=str(kubeconfig),
        sts_endpoint_url=standin.url,
        now=now,
        environ=dict(os.environ),
        timeout=5,
        plugin_timeout=60,
        stdin_is_terminal=stdin_is_terminal,
    )


def failed(report: DoctorReport) -> str:
    """The name of the first failed check (the report must have failed)."""
    assert not report.ok, report.render()
    return next(check.name for check in report.checks if not check.ok)
