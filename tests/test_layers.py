"""The layers import only downwards: each package here may not import the packages listed for it.

The table is the architecture (ARCHITECTURE.md): add a package (and what it must stay free of) when one
is made. From the top: ``assemble``/``runtime`` → ``edge`` → ``routing`` → ``pipeline`` → ``sessions``
→ ``upstream``/``protocol``; the policy core and the stores below them import none of the gateway's
layers. Imports are read with ``ast`` from the source, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "portcullis"

_TOP = ("assemble", "runtime")
_GATEWAY = (*_TOP, "edge", "routing", "pipeline", "sessions")

# package -> the packages it may not import (directly, from any of its modules)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "edge": _TOP,
    "routing": (*_TOP, "edge"),
    "pipeline": (*_TOP, "edge", "routing"),
    "sessions": (*_TOP, "edge", "routing", "pipeline", "gateway"),
    "protocol": ("gateway", "upstream", *_GATEWAY),
    "upstream": ("gateway", *_GATEWAY),
    "policy": ("gateway", *_GATEWAY),
    "catalog": ("gateway", *_GATEWAY),
    "approvals": ("gateway", *_GATEWAY),
    "audit": ("gateway", *_GATEWAY),
    "limits": ("gateway", *_GATEWAY),
    "config": ("gateway", *_GATEWAY),
}


def imported_modules(source: str, package: str) -> set[str]:
    """Every ``portcullis.…`` module a module of ``package`` imports, resolved to its absolute name."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "portcullis" or name.startswith("portcullis.")}


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_allowed_layers(package: str) -> None:
    root = SRC / package
    assert root.is_dir(), f"no package portcullis.{package}"
    banned = set(FORBIDDEN[package])
    wrong = [
        f"{path.relative_to(SRC)} imports {module}"
        for path in sorted(root.rglob("*.py"))
        for module in sorted(
            imported_modules(
                path.read_text(encoding="utf-8"), ".".join(("portcullis", *path.relative_to(SRC).parent.parts))
            )
        )
        if _layer_of(module) in banned
    ]
    assert wrong == []


def test_the_old_gateway_package_is_gone() -> None:
    """``gateway/`` was split into the layers (and ``protocol``): nothing may grow back there."""
    assert not (SRC / "gateway").exists() or not list((SRC / "gateway").glob("*.py"))


def test_every_module_of_the_layers_is_short() -> None:
    """One concept per module: under 400 lines each."""
    long = [
        f"{path.relative_to(SRC)}: {n} lines"
        for package in ("edge", "routing", "pipeline", "sessions")
        for path in sorted((SRC / package).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) >= 400
    ]
    assert long == []


def test_every_function_of_the_layers_is_short() -> None:
    """Functions under 60 lines each, so that each step reads at a glance."""
    long = [
        f"{path.relative_to(SRC)}: {node.name} is {node.end_lineno - node.lineno + 1} lines"
        for package in ("edge", "routing", "pipeline", "sessions")
        for path in sorted((SRC / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 >= 60
    ]
    assert long == []


def test_the_check_sees_absolute_relative_and_lazy_imports() -> None:
    source = (
        "from portcullis.gateway.core import Gateway\nfrom . import pool\ndef f():\n    import portcullis.edge.http\n"
    )
    found = imported_modules(source, "portcullis.upstream")
    assert {"portcullis.gateway.core", "portcullis.upstream.pool", "portcullis.edge.http"} <= found
    assert {_layer_of(m) for m in found} >= {"gateway", "edge"}
