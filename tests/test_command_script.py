"""scripts/eks-token, the command a POSIX install gets (see setup.py): it is the CLI, and on
a cache hit it loads nothing that the CLI's own fast path does not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.aws_env import AwsEnv
from tests.support.cli import run_cli

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "eks-token"
#: Runs a file as the script it is (as __main__) and reports the modules it loaded.
PROBE = """
import sys
before = set(sys.modules)
sys.argv = sys.argv[1:]
code = compile(open(sys.argv[0]).read(), sys.argv[0], "exec")
try:
    exec(code, {"__name__": "__main__", "__file__": sys.argv[0]})
except SystemExit as exit:
    status = exit.code
sys.stderr.write("\\nLOADED " + " ".join(sorted(set(sys.modules) - before)) + "\\n")
sys.exit(status)
"""


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(SCRIPT), *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )


def test_its_first_line_is_the_one_installers_point_at_their_python() -> None:
    assert SCRIPT.read_text().splitlines()[0] == "#!python"
    assert os.access(SCRIPT, os.X_OK)


def test_it_prints_the_same_exec_credential_as_the_command(aws_env: AwsEnv) -> None:
    args = ("token", "-i", "my-cluster", "--signing-time", "2026-11-28T21:19:04Z")
    result = run_script(*args)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["kind"] == "ExecCredential"
    assert printed == json.loads(run_cli(*args).stdout)


def test_a_cache_hit_loads_no_re_and_nothing_outside_eks_token(aws_env: AwsEnv) -> None:
    assert run_script("token", "-i", "my-cluster").returncode == 0
    result = run_script("token", "-i", "my-cluster")
    assert result.returncode == 0, result.stderr
    loaded = set(result.stderr.rpartition("\nLOADED ")[2].split())
    assert "eks_token.cli._fast" in loaded
    assert "re" not in loaded
    assert {m for m in loaded if not m.startswith("eks_token")} <= {"_sha256", "_sha2"}


def test_usage_errors_keep_their_status(aws_env: AwsEnv) -> None:
    result = run_script("no-such-command")
    assert result.returncode == run_cli("no-such-command").returncode == 2
    assert result.stdout == ""


def test_the_package_metadata_names_no_home_that_is_not_ours() -> None:
    """The project has no public home yet: the metadata names no project URLs, so no user
    following one lands on another project."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "urls" not in project
    assert "urls" not in project.get("dynamic", [])
