"""The classifier gives, on every catalogued tool, exactly the answer recorded in the golden file.

A change meant only to make the classifier faster (or tidier) must not change one category, level, signal,
word of evidence, guard or data-flow tag; a change of the rules rewrites the file with
``scripts/classify_golden.py`` and shows its effect as the diff of that file (see ``golden.py``).
"""

from __future__ import annotations

import json

from tests.catalog.golden import GOLDEN, cases, lines


def test_every_catalogued_tool_is_classified_as_recorded() -> None:
    recorded = GOLDEN.read_text(encoding="utf-8").splitlines()
    now = list(lines())
    assert len(now) == len(recorded), "the corpus changed: run scripts/classify_golden.py and review the diff"
    changed = [(old, new) for old, new in zip(recorded, now, strict=True) if old != new]
    shown = "\n".join(f"- {old}\n+ {new}" for old, new in changed[:5])
    assert not changed, f"{len(changed)} of {len(now)} answers changed (first {min(len(changed), 5)}):\n{shown}"


def test_the_golden_file_covers_the_fixtures_with_and_without_annotations() -> None:
    keys = [key for key, _, _ in cases()]
    assert len(keys) == len(set(keys))
    kinds = {key.rsplit(" ", 1)[1] for key in keys}
    assert kinds == {"as-is", "no-annotations", "trusted"}
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert [row["case"] for row in rows] == keys
    # the recorded answers are not trivial: every category and several signals occur
    assert {row["category"] for row in rows} >= {"read", "write", "execute", "destructive", "financial", "other"}
    assert len({signal[0] for row in rows for signal in row["signals"]}) >= 30
