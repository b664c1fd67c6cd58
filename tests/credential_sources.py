"""Credential sources the way users configure them, for tests that drive botocore's real chain:
credential_process scripts, role profiles, SSO profiles."""

from __future__ import annotations

import json
import stat
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs

from eks_token.clock import format_rfc3339
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, AwsEnv
from tests.support.local_server import LocalServer, RecordedRequest, Response

__all__ = [
    "ASSUMED_ACCESS_KEY_ID",
    "ASSUMED_SECRET",
    "ASSUMED_SESSION_TOKEN",
    "SESSION_TOKEN",
    "RoleSts",
    "add_profile",
    "make_executable",
    "process_command",
    "process_script",
    "runs",
]

SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxyz"

_SCRIPT = """\
import json, os, sys
with open({log!r}, "a") as log:
    log.write(str(os.getppid()) + "\\n")
{body}
"""


def process_script(
    directory: Path,
    *,
    expiration: datetime | None = None,
    output: str | None = None,
    stderr: str = "",
    status: int = 0,
    name: str = "creds.py",
) -> Path:
    """A credential_process script: prints `output` (default: the example keys, a session token
    and `expiration`), writes `stderr`, exits with `status`, and logs its parent's pid to
    `<name>.log` (one line per run)."""
    directory.mkdir(parents=True, exist_ok=True)
    if output is None:
        reply: dict[str, object] = {
            "Version": 1,
            "AccessKeyId": EXAMPLE_ACCESS_KEY_ID,
            "SecretAccessKey": EXAMPLE_SECRET_ACCESS_KEY,
            "SessionToken": SESSION_TOKEN,
        }
        if expiration is not None:
            reply["Expiration"] = format_rfc3339(expiration)
        output = json.dumps(reply)
    body = f"sys.stdout.write({output!r})\nsys.stderr.write({stderr!r})\nsys.exit({status})"
    script = directory / name
    script.write_text(_SCRIPT.format(log=str(script) + ".log", body=body))
    return script


def runs(script: Path) -> list[str]:
    """The parent pid of each run of a process_script so far."""
    log = Path(str(script) + ".log")
    return log.read_text().split() if log.exists() else []


def process_command(script: Path) -> str:
    return f"{sys.executable} {script}"


def add_profile(aws_env: AwsEnv, name: str, **settings: str) -> None:
    """Append `[profile NAME]` with `settings` to the test's AWS config file."""
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    section = "default" if name == "default" else f"profile {name}"
    lines = [f"[{section}]", *(f"{key} = {value}" for key, value in settings.items())]
    with aws_env.config_file.open("a") as config:
        config.write("\n".join(lines) + "\n")


def make_executable(path: Path) -> None:
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


ASSUMED_ACCESS_KEY_ID = "ASIAIOSFODNN7ASSUMED"
ASSUMED_SECRET = "assumedSecretKeyEXAMPLEaaaaaaaaaaaaaaaaa"
ASSUMED_SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEASSUMEDSESSIONTOKEN"
_STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


class RoleSts(LocalServer):
    """STS's AssumeRole on 127.0.0.1 (form POST, XML answer) that records what it was sent:
    answers with fixed role credentials expiring at `expiration`, or with `error`
    (status, code, message) when set."""

    def __init__(self, expiration: datetime, error: tuple[int, str, str] | None = None) -> None:
        super().__init__()
        self.expiration = expiration
        self.error = error

    def calls(self) -> list[dict[str, str]]:
        """The form fields of every request so far."""
        return [{k: v[0] for k, v in parse_qs(r.body.decode()).items()} for r in self.recorded]

    def respond(self, request: RecordedRequest) -> Response:
        if self.error is not None:
            status, code, message = self.error
            body = (
                f'<ErrorResponse xmlns="{_STS_XMLNS}"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>1</RequestId></ErrorResponse>"
            )
            return Response(status, body.encode(), [("Content-Type", "text/xml")])
        fields = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        role = fields.get("RoleArn", "arn:aws:iam::111122223333:role/r")
        session = fields.get("RoleSessionName", "s")
        body = (
            f'<AssumeRoleResponse xmlns="{_STS_XMLNS}"><AssumeRoleResult><Credentials>'
            f"<AccessKeyId>{ASSUMED_ACCESS_KEY_ID}</AccessKeyId>"
            f"<SecretAccessKey>{ASSUMED_SECRET}</SecretAccessKey>"
            f"<SessionToken>{ASSUMED_SESSION_TOKEN}</SessionToken>"
            f"<Expiration>{format_rfc3339(self.expiration)}</Expiration></Credentials>"
            f"<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId>"
            f"<Arn>{role.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/"
            f"{session}</Arn></AssumedRoleUser></AssumeRoleResult>"
            "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>"
        )
        return Response(200, body.encode(), [("Content-Type", "text/xml")])
