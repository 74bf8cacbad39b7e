"""The modules the compiled build (hatch_build.py, the wheel's hook in pyproject.toml) compiles are the
classifier's: every module of the package that ``catalog/classify.py`` imports, directly or not, except
``verdict.py`` (its frozen dataclasses, compiled, can be neither copied nor pickled). A module split off one of them
and left off the list would run as Python in the compiled build, slower, and nothing else would say so.
(tests/catalog/test_compiled_build.py checks the compiled build's answers.)"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SRC = ROOT / "src"
NOT_COMPILED = {"portcullis.catalog.verdict"}


def _imports(module: str) -> set[str]:
    """The modules of the package that ``module``'s source imports (at any depth of its code)."""
    tree = ast.parse((SRC / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {
        name
        for name in found
        if name.startswith("portcullis.") and (SRC / name.replace(".", "/")).with_suffix(".py").exists()
    }


def test_the_compiled_build_compiles_every_module_the_classifier_imports_but_verdict() -> None:
    reached: set[str] = set()
    todo = ["portcullis.catalog.classify"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(_imports(module))
    targets = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]
    mypyc = targets["wheel"]["hooks"]["custom"]
    assert mypyc["path"] == "hatch_build.py"
    listed = {path.removeprefix("src/").removesuffix(".py").replace("/", ".") for path in mypyc["include"]}
    wanted = reached - NOT_COMPILED
    assert listed == wanted, f"not compiled: {sorted(wanted - listed)}; not the classifier's: {sorted(listed - wanted)}"
