"""The classifier's rules are general vocabulary: no tool name from any catalogue appears in them.

Every string constant of the rule modules (docstrings aside) is scanned. A multi-word tool name
(``pipelines_build``, ``BinanceOptionsCreateListenKey``) may not appear as a phrase; a one-word tool name
may appear only if it is an ordinary English or API word every server may use (``delete``, ``search``),
listed below after review. A new entry there needs the same review: is it a word, or a name?
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from portcullis.catalog.lexicon import words
from portcullis.catalog.tokens import tokenize

ROOT = Path(__file__).resolve().parents[2]
RULE_MODULES = (
    "lexicon",
    "classify",
    "verbs",
    "prose",
    "arguments",
    "operation_args",
    "risk",
    "scan",
    "tokens",
    "verdict",
    "routers",
    "wording",
    "effects",
)
FIXTURES = ROOT / "tests" / "fixtures"

# One-word tool names that are also ordinary words of the lexicon (reviewed): verbs and nouns in general use.
ORDINARY_WORDS = words("""
aggregate cleanup click compute connect count data delete deploy disconnect documentation drag echo expire explain
export fetch fill find functions get hover info logs monitor ping policy prune publish query reindex rename role run
search
set sql status subscribe subscription tables type unsubscribe validate
""")


def _rule_strings() -> list[str]:
    out: list[str] = []
    for module in RULE_MODULES:
        tree = ast.parse((ROOT / "src" / "portcullis" / "catalog" / f"{module}.py").read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        out += [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        ]
    return out


def _catalogue_names() -> set[str]:
    names: set[str] = set()
    for path in (FIXTURES / "real-servers").glob("*.json"):
        if path.stem != "labels":
            names |= {t["name"] for t in json.loads(path.read_text(encoding="utf-8"))}
    for name in ("sperax-tools.json", "mcp-reference-servers-tools.json", "stripe-agent-toolkit-tools.json"):
        names |= {t["name"] for t in json.loads((FIXTURES / "catalogues" / name).read_text(encoding="utf-8"))}
    rows = json.loads((FIXTURES / "catalogues" / "policylayer-intercept-categories.json").read_text(encoding="utf-8"))
    return names | {row["tool"] for row in rows["tools"]}


def test_no_catalogue_tool_name_appears_in_the_rules() -> None:
    text = " ".join(_rule_strings()).lower()
    vocabulary = set(re.findall(r"[a-z0-9]+", text))
    phrases = " " + re.sub(r"[^a-z0-9]+", " ", text) + " "
    names = _catalogue_names()
    assert len(names) > 2500
    multi = sorted(n for n in names if len(tokenize(n)) > 1 and f" {' '.join(tokenize(n))} " in phrases)
    assert multi == [], f"tool names in the rules: {multi}"
    single = {tokenize(n)[0] for n in names if len(tokenize(n)) == 1} & vocabulary
    assert single <= ORDINARY_WORDS, (
        f"one-word tool names in the rules, not reviewed as ordinary words: {sorted(single - ORDINARY_WORDS)}"
    )
