"""Rewrite tests/fixtures/classify-golden.jsonl: the classifier's full answer on every catalogued tool.

Run it when the classifier's rules change on purpose (and read the diff: every changed line is a tool whose
answer changed); a change meant only to make it faster must leave the file as it is
(tests/catalog/test_classify_golden.py checks that). Run: ``python scripts/classify_golden.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))  # the corpus lives with the test that asserts on it
    from tests.catalog.golden import GOLDEN, lines

    text = "".join(line + "\n" for line in lines())
    GOLDEN.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10)):,} cases to {GOLDEN.relative_to(ROOT)} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
