"""``portcullis._plumbing`` stays plumbing: it imports nothing from the rest of ``portcullis``."""

from __future__ import annotations

import ast
from pathlib import Path

import portcullis._plumbing

PACKAGE = Path(portcullis._plumbing.__file__).parent


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside the package
                continue
            names.add(node.module or "")
    return names


def test_plumbing_imports_no_domain_module() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 8
    for module in modules:
        outside = {
            name
            for name in _imported(module)
            if name.split(".")[0] == "portcullis" and not name.startswith("portcullis._plumbing")
        }
        assert not outside, f"{module.name} imports {sorted(outside)}"
