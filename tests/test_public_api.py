"""The package's surface: `__all__` is honest, and importing it stays cheap."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import eks_token

HEAVY = (
    "botocore",
    "requests",
    "yaml",
    "urllib3",
    "kubernetes",
    "kubernetes_asyncio",
    "httpx",
    "kopf",
    "lightkube",
    "kr8s",
    "aiohttp",
)


def test_all_lists_exactly_the_lazy_exports() -> None:
    exports = eks_token._EXPORTS
    assert sorted(eks_token.__all__) == sorted(exports)
    assert len(set(eks_token.__all__)) == len(eks_token.__all__)
    for name in eks_token.__all__:
        value = getattr(eks_token, name)
        module = importlib.import_module(f"eks_token.{exports[name]}")
        assert value is getattr(module, name)
        assert name in module.__all__, f"{name} missing from eks_token.{exports[name]}.__all__"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = eks_token.nope


def _modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(eks_token.__path__, "eks_token.")
        if not info.name.endswith("__main__")
    ]


@pytest.mark.parametrize("name", _modules())
def test_every_module_declares_an_honest_all(name: str) -> None:
    module = importlib.import_module(name)
    declared = getattr(module, "__all__", None)
    assert declared is not None, f"{name} has no __all__"
    for symbol in declared:
        assert hasattr(module, symbol), f"{name}.__all__ names missing {symbol}"


def test_every_error_is_an_eks_token_error() -> None:
    from eks_token import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.EksTokenError)


def _imported_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_import_is_light() -> None:
    loaded = _imported_after("import eks_token")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert "eks_token.aws.signer" not in loaded


def test_library_signing_without_botocore_for_explicit_endpoint() -> None:
    """sign_token is pure: signing for a known endpoint pulls in no AWS SDK."""
    loaded = _imported_after(
        "from datetime import datetime, timezone; "
        "from eks_token import AwsCredentials, sign_token, resolve_sts_endpoint; "
        "sign_token('c', AwsCredentials('AKID', 'secret'), resolve_sts_endpoint('us-west-2'), "
        "datetime.now(timezone.utc))"
    )
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_the_error_branches_are_exported_from_the_package() -> None:
    """The root exports the tree's root and its branch bases; every other class is caught
    through one of them."""
    from eks_token import errors

    branches = {"EksTokenError", "InvalidInputError", "CredentialsError", "ServiceError"}
    assert branches <= set(eks_token.__all__)
    for name in eks_token.__all__:
        value = getattr(eks_token, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert value is getattr(errors, name)


#: The groups of the root's docstring, in order.
GROUPS = (
    "Tokens",
    "Providers and HTTP adapters",
    "Kubeconfig",
    "The cluster's side",
    "Errors",
)


def _docstring_groups(doc: str) -> dict[str, list[str]]:
    """The names listed under each heading (a line ending in ``:``, its names indented)."""
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines():
        if line and not line.startswith(" "):
            heading = re.fullmatch(r"([A-Z][\w' ]*):", line)
            current = groups.setdefault(heading.group(1), []) if heading else None
        elif current is not None and line.strip():
            current.extend(word.strip() for word in line.split(",") if word.strip())
    return groups


def test_the_root_exports_at_most_40_names_each_listed_once_in_its_group() -> None:
    groups = _docstring_groups(eks_token.__doc__ or "")
    assert tuple(groups) == GROUPS
    listed = [name for names in groups.values() for name in names]
    assert len(listed) == len(set(listed)), "a name is listed in two groups"
    assert sorted(listed) == sorted(eks_token.__all__)
    assert len(eks_token.__all__) <= 40


def test_every_public_attribute_of_the_root_is_listed() -> None:
    """Nothing reachable at the root without an underscore is left out of __all__ (the
    package's own submodules, once imported, and the type-checking switch aside)."""
    for name in eks_token._EXPORTS:
        getattr(eks_token, name)
    public = {
        name
        for name, value in vars(eks_token).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public - {"TYPE_CHECKING", "annotations"} == set(eks_token.__all__)


def test_the_type_checking_imports_match_the_lazy_table() -> None:
    """The imports type checkers read and the table ``__getattr__`` reads name the same
    module for every export, so a module moved in one place and not the other fails here."""
    tree = ast.parse(Path(eks_token.__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    imported = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "typing"
        for alias in node.names
    }
    assert imported == {name: f"eks_token.{module}" for name, module in eks_token._EXPORTS.items()}


def test_get_token_spells_out_its_parameters() -> None:
    """help(get_token) shows every option by name: none hides behind **options, and they are
    exactly the signer's options plus get_token's own."""
    import inspect

    from eks_token.core.options import SignerOptions

    parameters = inspect.signature(eks_token.get_token).parameters
    assert not [p for p in parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    options = set(inspect.signature(SignerOptions).parameters)
    assert options <= set(parameters)
    own = {"cluster_id", "session", "credentials", "now", "cache", "credential_cache"}
    assert set(parameters) == options | own
    for name in options:
        assert parameters[name].default == inspect.signature(SignerOptions).parameters[name].default
