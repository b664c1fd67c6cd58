"""Every shell and Python example in README.md and docs/*.md runs, in a sandbox HOME with
AWS's example keys, a kubeconfig and no network. A block that cannot run here is marked
by the line before it, ``<!-- needs: REASON -->``, and is skipped with that reason; its
Python is still checked for undefined names."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.api_server import ApiServer
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY
from tests.support.cli import BIN_DIR

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = ("sh", "python", "console")
FENCE = re.compile(r"^```(\w*)\s*$")
NEEDS = re.compile(r"^<!--\s*needs:\s*(.+?)\s*-->$")
SERVED = re.compile(r"^<!--\s*runs against: the local API server\s*-->$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    language: str
    text: str
    needs: str | None
    served: bool = False

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _blocks() -> list[Block]:
    found: list[Block] = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            match = FENCE.match(lines[i])
            if match is None:
                i += 1
                continue
            start, language = i, match.group(1)
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
            marker = NEEDS.match(before.strip())
            if language in RUN:
                text = "\n".join(lines[start + 1 : end]) + "\n"
                needs = marker.group(1) if marker else None
                served = SERVED.match(before.strip()) is not None
                found.append(Block(path, start + 1, language, text, needs, served))
            i = end + 1
    return found


BLOCKS = _blocks()
CONFIG = """\
[default]
region = us-west-2
[profile team]
region = eu-west-1
[profile my-profile]
region = us-west-2
"""
CREDENTIALS = "".join(
    f"[{name}]\naws_access_key_id = {EXAMPLE_ACCESS_KEY_ID}\n"
    f"aws_secret_access_key = {EXAMPLE_SECRET_ACCESS_KEY}\n"
    for name in ("default", "team", "my-profile")
)
KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster:
    server: https://127.0.0.1:9
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {cluster-id: prod, region: eu-west-1}
contexts:
- name: prod
  context: {cluster: prod-cluster, user: aws, namespace: default}
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: eks-token
      args: [token, -i, prod, --region, eu-west-1]
      env:
      - {name: AWS_PROFILE, value: team}
"""


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A HOME with AWS config and credentials (example keys) and a kubeconfig whose
    context ``prod`` runs eks-token; the environment has no other AWS or kube settings."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(CONFIG)
    (home / ".aws" / "credentials").write_text(CREDENTIALS)
    (home / ".kube" / "config.d").mkdir(parents=True)
    (home / ".kube" / "config").write_text(KUBECONFIG)
    (home / ".kube" / "config.d" / "prod").write_text(KUBECONFIG)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "HOME": str(home),
        "PATH": f"{BIN_DIR}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "AWS_EC2_METADATA_DISABLED": "true",
        "LANG": "C.UTF-8",
    }
    token = subprocess.run(
        [str(BIN_DIR / "eks-token"), "token", "-i", "my-cluster", "--token-only", "--no-cache"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    env["TOKEN"] = token
    return work, env


def _console_commands(text: str) -> str:
    """The commands of a transcript: lines after ``$ `` (with continuation lines)."""
    commands: list[str] = []
    continuing = False
    for line in text.splitlines():
        if line.startswith("$ ") or continuing:
            command = line[2:] if line.startswith("$ ") and not continuing else line
            commands.append(command)
            continuing = command.endswith("\\")
    return "\n".join(commands) + "\n"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_example_runs(block: Block, sandbox: tuple[Path, dict[str, str]]) -> None:
    if block.needs is not None:
        pytest.skip(f"needs {block.needs}")
    work, env = sandbox
    with contextlib.ExitStack() as stack:
        if block.served:
            serve_prod(stack, Path(env["HOME"]))
        _run_block(block, work, env)


def serve_prod(stack: contextlib.ExitStack, home: Path) -> None:
    """Start the local API server for cluster ``prod`` and point the sandbox kubeconfig's
    ``prod-cluster`` at it (with its CA)."""
    server = stack.enter_context(ApiServer(cluster_id="prod"))
    served = KUBECONFIG.replace(
        "    server: https://127.0.0.1:9\n",
        f"    server: {server.url}\n    certificate-authority-data: {server.ca_data}\n",
    )
    for path in (home / ".kube" / "config", home / ".kube" / "config.d" / "prod"):
        path.write_text(served)

    def everything_authenticated() -> None:
        assert server.recorded, "the example sent the API server nothing"
        assert all(check.ok for check in server.checks), server.checks

    stack.callback(everything_authenticated)


def _run_block(block: Block, work: Path, env: dict[str, str]) -> None:
    if block.language == "python":
        command = [sys.executable, "-c", block.text]
    else:
        script = block.text if block.language == "sh" else _console_commands(block.text)
        assert script.strip(), f"{block.name}: a transcript without '$ ' commands"
        command = ["bash", "-e", "-o", "pipefail", "-c", script]
    result = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{block.name}\n{block.text}\n{result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr


PYTHON_BLOCKS = [b for b in BLOCKS if b.language == "python"]


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[b.name for b in PYTHON_BLOCKS])
def test_python_example_uses_only_defined_names(block: Block) -> None:
    result = subprocess.run(
        [
            str(BIN_DIR / "ruff"),
            "check",
            "--isolated",
            "--select",
            "F",
            "--stdin-filename",
            "example.py",
            "-",
        ],
        input=block.text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{block.name}\n{result.stdout}"


def test_every_marked_block_says_what_it_needs() -> None:
    assert BLOCKS
    for block in BLOCKS:
        if block.needs is not None:
            assert len(block.needs) > 8, block.name


# --- the library's documented signatures -----------------------------------------------------

SIGNATURE = re.compile(r"`([A-Za-z_]\w*)\(([^`]*?)\)(?: -> [^`]*)?`")
#: Where the documented callables live: the package's exports, and the HTTP adapters.
#: The adapter modules docs/library.md documents (each needs its HTTP library).
ADAPTER_MODULES = (
    "eks_token.transport.requests_auth",
    "eks_token.transport.kubernetes_client",
    "eks_token.transport.httpx_auth",
    "eks_token.transport.kubernetes_asyncio_client",
    "eks_token.transport.kopf_login",
)


def _classes_in(hint: object) -> Iterator[type]:
    """The package's classes a type hint names (``ExecInvocation | None`` names one)."""
    import typing

    if isinstance(hint, type) and hint.__module__.startswith("eks_token."):
        yield hint
    for argument in typing.get_args(hint):
        yield from _classes_in(argument)


def _reachable_types() -> dict[str, type]:
    """Classes a caller meets through the root's exports without importing them: what the
    exported functions return and what those values hold (``ContextView.cluster`` is a
    ``ClusterEntry``), so their documented fields are checked too."""
    import typing

    import eks_token

    found: dict[str, type] = {}
    pending: list[object] = [getattr(eks_token, name) for name in eks_token.__all__]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        try:
            hints = typing.get_type_hints(item)
        except Exception:  # a hint that names a type only type checkers import
            continue
        for hint in hints.values():
            for cls in _classes_in(hint):
                found.setdefault(cls.__name__, cls)
                pending.append(cls)
    return found


def _documented_callable(name: str) -> object | None:
    import importlib

    import eks_token

    if name in eks_token.__all__:
        exported: object = getattr(eks_token, name)
        return exported
    for module in ADAPTER_MODULES:
        found: object = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found
    return _reachable_types().get(name)


def test_the_values_the_exports_hand_out_are_reached() -> None:
    assert {"ClusterEntry", "UserEntry", "ExecInvocation"} <= set(_reachable_types())


def _accepted_names(target: object) -> set[str]:
    """The keyword names ``target`` takes; ``**options: Unpack[SignerOptionArgs]`` stands
    for SignerOptions' own parameters (the typed dict exists only for type checkers), and
    ``**client_options`` (handed on to the HTTP library's client) for any name: ``*``."""
    import inspect

    from eks_token.core.options import SignerOptions

    names: set[str] = set()
    for parameter in inspect.signature(target).parameters.values():  # type: ignore[arg-type]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD and parameter.name == "client_options":
            names.add("*")
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            assert "SignerOptionArgs" in str(parameter.annotation), parameter
            names |= set(inspect.signature(SignerOptions).parameters)
        else:
            names.add(parameter.name)
    return names


def _parameter_names(text: str) -> list[str]:
    """The names in a documented argument list such as ``a, *, b=, c: int = 1, ...``."""
    names = []
    depth = 0
    current = ""
    for char in text + ",":
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            word = re.split(r"[=:]", current)[0].strip()
            if word.isidentifier():
                names.append(word)
            current = ""
        else:
            current += char
    return names


def test_every_documented_parameter_is_in_the_signature() -> None:
    """A signature written in docs/library.md (`name(a, *, b, c=)`) names only parameters
    the callable takes: a renamed parameter fails here, not in a reader's program."""
    text = " ".join((ROOT / "docs" / "library.md").read_text(encoding="utf-8").split())
    checked = 0
    for name, arguments in SIGNATURE.findall(text):
        target = _documented_callable(name)
        if target is None or not callable(target):
            continue
        accepted = _accepted_names(target)
        for parameter in _parameter_names(arguments):
            assert parameter in accepted or "*" in accepted, (
                f"docs/library.md: {name}() takes no {parameter!r}"
            )
        checked += 1
    assert checked >= 10


#: What users read and copy: the README, every page of docs/ and the example programs.
USER_FACING = [*DOCS, *sorted((ROOT / "examples").glob("*.py"))]
IMPORTED = re.compile(r"\bfrom (eks_token[\w.]*) import\b|\bimport (eks_token[\w.]*)")


def _undocumented_imports(text: str) -> list[str]:
    """The modules ``text`` imports from that are neither the package's root nor a
    documented adapter module."""
    allowed = {"eks_token", *ADAPTER_MODULES}
    found = [a or b for a, b in IMPORTED.findall(text)]
    return [module for module in found if module not in allowed]


def test_the_import_scan_sees_deep_imports() -> None:
    text = (
        "from eks_token import get_token\n"
        "from eks_token.transport.requests_auth import EksTokenAuth\n"
        "    from eks_token.aws.signer import TokenSigner\n"
        '$ python -c "import eks_token.cache.file_cache"\n'
        "import eks_token\n"
    )
    assert _undocumented_imports(text) == ["eks_token.aws.signer", "eks_token.cache.file_cache"]


def test_docs_and_examples_import_only_from_the_documented_modules() -> None:
    """README, docs and examples import from ``eks_token`` and the documented adapter
    modules only: every other module is internal."""
    assert len(USER_FACING) > len(DOCS)
    for path in USER_FACING:
        text = path.read_text(encoding="utf-8")
        assert IMPORTED.search(text) or path.suffix == ".md", path
        bad = _undocumented_imports(text)
        assert bad == [], f"{path.relative_to(ROOT)} imports from {bad}"
