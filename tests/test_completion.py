"""``eks-token completion``: scripts that load in the real shells and complete commands,
subcommands, options and option values."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eks_token.cli.main import COMMANDS
from tests.support.cli import run_cli


def _script(shell: str, tmp_path: Path) -> Path:
    result = run_cli("completion", shell)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    path = tmp_path / f"eks-token.{shell}"
    path.write_text(result.stdout)
    return path


def _bash_complete(script: Path, line: str) -> list[str]:
    """What bash offers for ``line`` (the cursor at its end), through the loaded function."""
    program = f"""
source {script}
spec=$(complete -p eks-token) || exit 3
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
_eks_token
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        env={"LINE": line, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [word for word in result.stdout.splitlines() if word]


@pytest.fixture
def bash_script(tmp_path: Path) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    return _script("bash", tmp_path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("eks-token ", [*COMMANDS, "help"]),
        ("eks-token get-", ["get-token"]),
        ("eks-token ca", ["can-i", "cache"]),
        (
            "eks-token get-token --cl",
            ["--cluster-name", "--cluster-id", "--cli-connect-timeout", "--cli-read-timeout"],
        ),
        ("eks-token token -", None),  # checked below: every option of token
        ("eks-token --region us-west-2 get-token --q", ["--query"]),
        ("eks-token get-token --output ", ["json", "table", "text", "yaml"]),
        ("eks-token get-token --output t", ["table", "text"]),
        ("eks-token cache ", ["list", "clear"]),
        ("eks-token cache list ", ["-v", "--verbose", "--help"]),
        ("eks-token cache -", ["-v", "--verbose", "--help"]),
        ("eks-token kubeconfig mi", ["migrate"]),
        ("eks-token completion ", ["bash", "zsh", "fish"]),
        ("eks-token -", None),
        ("eks-token help do", ["doctor"]),
        ("eks-token token -i ", []),  # a value: left to the shell
        ("eks-token verify --", None),
    ],
)
def test_bash_completes(bash_script: Path, line: str, expected: list[str] | None) -> None:
    offered = _bash_complete(bash_script, line)
    if expected is not None:
        assert offered == expected
    else:
        assert offered
        assert all(word.startswith("-") for word in offered)


@pytest.mark.parametrize("command", [*COMMANDS, "kubeconfig migrate", "cache list"])
def test_bash_offers_every_option_the_command_takes(bash_script: Path, command: str) -> None:
    help_text = run_cli(*command.split(), "--help").stdout
    options = set()
    for line in help_text.splitlines():
        if re.match(r"^  -", line):
            options.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", line.split("  ")[1]))
    offered = set(_bash_complete(bash_script, f"eks-token {command.split()[0]} -"))
    assert options - {"-h"} <= offered, options - offered


@pytest.mark.parametrize(
    ("shell", "check"),
    [("bash", ["bash", "-n"]), ("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])],
)
def test_the_script_parses_in_its_shell(shell: str, check: list[str], tmp_path: Path) -> None:
    if shutil.which(check[0]) is None:
        pytest.skip(f"{check[0]} is not installed (apt-get install {check[0]})")
    script = _script(shell, tmp_path)
    result = subprocess.run([*check, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_fish_completes(tmp_path: Path) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed (apt-get install fish)")
    script = _script("fish", tmp_path)

    def complete(line: str) -> list[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return [entry.split("\t")[0] for entry in result.stdout.splitlines()]

    assert {"token", "get-token", "completion", "help"} <= set(complete("eks-token "))
    assert "--cluster-name" in complete("eks-token get-token --clu")
    assert set(complete("eks-token get-token --output ")) == {"json", "text", "table", "yaml"}


def test_zsh_completes(tmp_path: Path) -> None:
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed (apt-get install zsh)")
    script = _script("zsh", tmp_path)
    # Load the function through compinit as a user would, then check it is registered.
    program = f"""
autoload -U compinit && compinit -u -D
source {script}
print -r -- ${{_comps[eks-token]}}
"""
    result = subprocess.run(
        ["zsh", "-f", "-c", program],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "_eks_token"


def test_completion_is_not_loaded_on_the_exec_path() -> None:
    import sys

    program = (
        "import sys, eks_token.cli.main, eks_token.cli._fast, eks_token.cli.token_cmd, "
        "eks_token.cli.get_token_cmd; "
        "print(sorted(m for m in sys.modules if m.endswith(('completion_cmd', 'jmespath'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
