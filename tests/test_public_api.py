"""The package's surface: `__all__` is honest, and importing it stays cheap."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

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


def test_every_error_class_is_exported_from_the_package() -> None:
    from eks_token import errors

    missing = sorted(set(errors.__all__) - set(eks_token.__all__))
    assert missing == [], f"eks_token does not export {missing}"
    for name in errors.__all__:
        assert getattr(eks_token, name) is getattr(errors, name)


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
