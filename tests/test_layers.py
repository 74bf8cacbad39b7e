"""The layers import only downwards: each package here may not import the packages listed for it.

The table is the architecture: add a package (and what it must stay free of) when one is made.
Imports are read with ``ast`` from the source, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "portcullis"

# package -> the packages it may not import (directly, from any of its modules)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "protocol": ("gateway", "upstream", "edge", "sessions", "routing", "pipeline", "assemble"),
    "upstream": ("gateway", "edge", "sessions", "routing", "pipeline", "assemble"),
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


def test_the_check_sees_absolute_relative_and_lazy_imports() -> None:
    source = (
        "from portcullis.gateway.core import Gateway\nfrom . import pool\ndef f():\n    import portcullis.edge.http\n"
    )
    found = imported_modules(source, "portcullis.upstream")
    assert {"portcullis.gateway.core", "portcullis.upstream.pool", "portcullis.edge.http"} <= found
    assert {_layer_of(m) for m in found} >= {"gateway", "edge"}
