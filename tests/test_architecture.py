"""The package's shape: layers import only downward, with no circle; one module of errors."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import eks_token
from eks_token import errors

PACKAGE = Path(eks_token.__file__).parent

#: Bottom to top. A module may import from its own layer and the layers below it.
LAYERS = (
    "redact",
    "errors",
    "clock",
    "core",
    "exec_plugin",
    "cache",
    "aws",
    "net",
    "kubeconfig",
    "cluster",
    "inprocess",
    "aio",
    "doctor",
    "transport",
    "cli",
    "__main__",
)

#: Third-party libraries and the only layers that may import them at run time.
BOUNDARIES = {
    "botocore": ("aws",),
    "requests": ("net", "cluster", "transport"),
    "kubernetes": ("transport",),
    "kubernetes_asyncio": ("transport",),
    "httpx": ("transport",),
    "kopf": ("transport",),
    "lightkube": ("transport",),
    "kr8s": ("transport",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (imports for the type checker)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path) -> set[str]:
    """Modules imported at run time (module level or inside functions)."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}: relative import of {node.module}")
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {
    name: {target for target in _imports(path) if target in MODULES and target != "eks_token"}
    for name, path in MODULES.items()
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_module_belongs_to_a_layer() -> None:
    assert {_layer(m) for m in MODULES} - {""} == set(LAYERS)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)))
def test_imports_point_only_downward(module: str) -> None:
    rank = LAYERS.index(_layer(module))
    upward = sorted(t for t in GRAPH[module] if _layer(t) and LAYERS.index(_layer(t)) > rank)
    assert upward == [], f"{module} imports from a layer above it"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)))
def test_third_party_libraries_stay_behind_their_boundary(module: str) -> None:
    imported = {name.split(".")[0] for name in _imports(MODULES[module])}
    for library, layers in BOUNDARIES.items():
        if library in imported:
            assert _layer(module) in layers, f"{module} imports {library}"


def test_no_import_circle() -> None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                circle = [*path[path.index(target) :], target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_subpackage_init_files_import_nothing_at_run_time() -> None:
    for name, path in MODULES.items():
        if path.name == "__init__.py" and name != "eks_token":
            assert {m.split(".")[0] for m in _imports(path)} <= {"__future__", "importlib"}, name


def _all_modules() -> Iterator[object]:
    for info in pkgutil.walk_packages(eks_token.__path__, "eks_token."):
        if info.name == "eks_token.__main__":
            continue
        if info.name.endswith("kubernetes_client"):
            pytest.importorskip("kubernetes")
        yield importlib.import_module(info.name)


def test_every_exception_class_lives_in_the_error_module() -> None:
    strays = [
        f"{module.__name__}.{name}"  # type: ignore[attr-defined]
        for module in _all_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__  # type: ignore[attr-defined]
        and module is not errors
    ]
    assert strays == []


def test_the_error_module_exports_every_class_it_defines() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and value.__module__ == errors.__name__
    }
    assert defined == set(errors.__all__)
    assert all(issubclass(getattr(errors, name), errors.EksTokenError) for name in defined)
