"""The classifier's rules are general vocabulary: no tool name from any catalogue appears in them.

Every string constant of the rule modules (docstrings aside) is scanned. A multi-word tool name
(``pipelines_build``, ``BinanceOptionsCreateListenKey``) may not appear as a phrase, unless it is an ordinary
phrase of the lexicon listed below after review (``source_code``); a one-word tool name
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
# Every module of the catalogue holds rules, but these, which hold none (the catalogue's storage, refresh, pins,
# rendering and views): a new rule module is checked without being listed.
NOT_RULES = frozenset({"__init__", "catalog", "files", "pins", "pin_stores", "refresh", "render", "views"})
RULE_MODULES = tuple(
    sorted(p.stem for p in (ROOT / "src" / "portcullis" / "catalog").glob("*.py") if p.stem not in NOT_RULES)
)
FIXTURES = ROOT / "tests" / "fixtures"

# One-word tool names that are also ordinary words of the lexicon (reviewed): verbs and nouns in general use.
ORDINARY_WORDS = words("""
aggregate cleanup click compute connect count data delete deploy disconnect documentation drag echo expire explain
export fetch fill find functions get hover info logs monitor ping policy prune publish query reindex rename role run
search discover extract
set sql status subscribe subscription tables type unsubscribe validate directory grep login logout storage wiki
confirm generate list lock move restore sync unlock
issues projects
components
create read update
cat request tail
authenticate help
schema write
metrics
check compile measure model reference render upload
area length simplify
application control database deployment environments service system tags
reboot
alert compress diagnostics frame install navigate uninstall upgrade window
catalog config queue
onboard
categories
register
health
undo
insert merge patch select upsert
tap swipe
setup
graphql scrape
scale
refresh screenshot wait
""")
# Multi-word tool names that are also ordinary phrases of the lexicon (reviewed): ``source_code``, an argument that
# carries code (``CODE_ARGS``, in the lexicon since the classifier's first commit), is also a tool of round 12;
# ``power_off``, a machine's power cut (the forced stop's pattern "forced power-off", written from round 8's
# development half), is also a tool of round 27.
ORDINARY_PHRASES = frozenset({"source_code", "power_off"})


def _is_word_list(text: str) -> bool:
    """A vocabulary written as prose ("get list search find …"): neighbouring words in it are no phrase."""
    items = text.split()
    return len(items) >= 3 and all(re.fullmatch(r"[a-z0-9_']+", item) for item in items)


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
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                out += node.value.split() if _is_word_list(node.value) else [node.value]
    return out


def _catalogue_names() -> set[str]:
    names: set[str] = set()
    for path in FIXTURES.glob("real-servers*/*.json"):  # every round of real servers
        if path.stem != "labels":
            names |= {t["name"] for t in json.loads(path.read_text(encoding="utf-8"))}
    for name in ("sperax-tools.json", "mcp-reference-servers-tools.json", "stripe-agent-toolkit-tools.json"):
        names |= {t["name"] for t in json.loads((FIXTURES / "catalogues" / name).read_text(encoding="utf-8"))}
    rows = json.loads((FIXTURES / "catalogues" / "policylayer-intercept-categories.json").read_text(encoding="utf-8"))
    return names | {row["tool"] for row in rows["tools"]}


def _names_in(rule_strings: list[str], names: set[str]) -> tuple[list[str], set[str]]:
    """The multi-word names written as a phrase in one rule string, and the one-word names among its words."""
    strings = [re.sub(r"\\[a-zA-Z]", " ", string).lower() for string in rule_strings]  # a regex's \b, \s
    vocabulary = set(re.findall(r"[a-z0-9]+", " ".join(strings)))
    # each string on its own: two words of neighbouring strings ("query", "sql") are no phrase
    phrases = "|".join(" " + re.sub(r"[^a-z0-9]+", " ", string) + " " for string in strings)
    multi = sorted(
        n for n in names - ORDINARY_PHRASES if len(tokenize(n)) > 1 and f" {' '.join(tokenize(n))} " in phrases
    )
    return multi, {tokenize(n)[0] for n in names if len(tokenize(n)) == 1} & vocabulary


def test_no_catalogue_tool_name_appears_in_the_rules() -> None:
    names = _catalogue_names()
    assert len(names) > 2500
    multi, single = _names_in(_rule_strings(), names)
    assert multi == [], f"tool names in the rules: {multi}"
    assert single <= ORDINARY_WORDS, (
        f"one-word tool names in the rules, not reviewed as ordinary words: {sorted(single - ORDINARY_WORDS)}"
    )


def test_the_check_finds_a_name_in_a_pattern_but_not_in_a_word_list() -> None:
    names = {"update_quote", "get_list", "frobnicate"}
    assert _is_word_list("get list search") and not _is_word_list(r"\bget\s+list\b")
    multi, single = _names_in([r"\bupdate[\s_-]+quote\b", "get", "list", "search", "frobnicate"], names)
    assert multi == ["update_quote"]
    assert single == {"frobnicate"}
