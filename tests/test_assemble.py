"""``assemble`` wires every collaborator by constructor: each part is built once and handed to all who use it.

The second test reads the source: the attributes that join the parts (the guard, the catalogue in the
lister's path, the forward step's options, the recorder's shadow runner, the metrics' tool check, the
hooks) are set only in their owner's ``__init__``, never patched in from outside or later.
"""

from __future__ import annotations

import ast
from pathlib import Path

from portcullis.assemble import assemble
from portcullis.config.load import config_from_text

SRC = Path(__file__).resolve().parent.parent / "src" / "portcullis"

# attributes that wire one part to another: set by constructor only
WIRED = frozenset(
    {
        "guard",
        "catalogue",
        "known_tool",
        "screening",
        "policy_screening",
        "subject_token",
        "shadow",
        "shared_flow",
        "on_tools_list_changed",
        "on_view_change",
        "on_change",
        "sessions",
        "recorder",
        "forward",
    }
)


def test_every_part_is_built_once_and_shared(tmp_path: Path) -> None:
    config = config_from_text(
        f"""
servers:
  demo: {{command: python3, args: ["-c", "pass"]}}
audit: sqlite:///{tmp_path / "audit.db"}
"""
    )
    parts = assemble(config)
    gateway, runtime = parts.gateway, parts.runtime
    assert gateway.guard is runtime.guard is gateway.caller.guard
    assert gateway.lister.catalogue is runtime.refresher
    guard = runtime.guard
    assert guard.recorder.audit is runtime.audit and guard.recorder.metrics is runtime.metrics
    assert guard.limits.store is runtime.store and guard.approvals.approvals is runtime.approvals
    assert guard.recorder.shadow == guard.sessions.shadow
    assert runtime.metrics.known_tool == runtime.catalog.listing_has
    assert gateway.caller.forward.screening is config.screening
    assert not (tmp_path / "audit.db").exists()  # built, not opened: nothing touched before start-up


def _wired_assignments_outside_init(tree: ast.AST) -> list[str]:
    found: list[str] = []

    def visit(node: ast.AST, in_init: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name == "__init__")
                continue
            targets: list[ast.expr] = []
            if isinstance(child, ast.Assign):
                targets = list(child.targets)
            elif isinstance(child, ast.AnnAssign | ast.AugAssign):
                targets = [child.target]
            for target in targets:
                if not isinstance(target, ast.Attribute) or target.attr not in WIRED:
                    continue
                own = isinstance(target.value, ast.Name) and target.value.id == "self"
                if not (own and in_init):
                    found.append(f"line {target.lineno}: {ast.unparse(target)}")
            visit(child, in_init)

    visit(tree, False)
    return found


def test_wiring_attributes_are_set_in_constructors_only() -> None:
    patched = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if (found := _wired_assignments_outside_init(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert patched == {}
