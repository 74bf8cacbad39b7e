"""Classify one MCP tool definition: category, level, and every signal with the evidence that fired.

Pure and deterministic: the same definition always gives the same answer, and every decision is a
``Signal`` a person can read. The steps, in order:

1. **Verb.** Tokenise the name; take the verb that opens it, else a verb suffix (``pull_request_read``),
   else the first verb anywhere (skipping vendor prefixes: ``gnfd_withdraw_from_payment``), preferring
   real verbs over words that double as product names (``copy`` trading, Binance ``pay``); a money verb
   followed by a record noun is a noun (``withdraw_history``). A name without a verb falls back to the
   first verb of the description; a tool with neither is ``other`` and treated as a write (fail closed).
2. **Objects.** Ambiguous verbs are settled by their object (``resolve_ens_name`` reads,
   ``resolve_review_thread`` writes); a mutating verb on a money-moving noun (``create_refund``), or on a
   money noun with an amount argument, is ``financial``. A read of money nouns stays a read with the
   ``financial-data`` signal.
3. **Schema.** Code arguments make a tool at least ``execute``; an operation enum (``method``/``action``)
   that offers destructive or financial values raises the tool to that category and records a guard
   (the argument and the dangerous values) that the recommendation turns into a ``deny_if``.
4. **Annotations** are untrusted hints: they raise risk (``destructiveHint``, ``readOnlyHint: false``,
   ``openWorldHint``) and lower it only for a server marked ``trusted``. A disagreement with the name
   is an ``annotation-conflict``.
5. **Level.** The category's base level (read low; other and write medium; execute high; destructive and
   financial critical), raised one step by each distinct escalating signal, capped at critical. Text aimed
   at the model or hidden Unicode anywhere in the definition makes the tool at least ``high`` (a poisoned
   read is no safer than an execute).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final, Literal

from portcullis.catalog.arguments import SchemaFacts, read_schema
from portcullis.catalog.lexicon import (
    AMBIGUOUS_VERBS,
    CATEGORY_RANK,
    COMPOUND_NOUNS,
    DESCRIPTION_FILLER,
    FINANCIAL_ACTION_NOUNS,
    FINANCIAL_DATA_NOUNS,
    MONEY_NOUNS,
    NAME_ONLY_VERBS,
    READ_NOUNS,
    SUFFIX_VERBS,
    VERBS,
    WEAK_VERBS,
    Category,
    words,
)
from portcullis.catalog.scan import scan_definition
from portcullis.catalog.tokens import base_verb, prose_words, tokenize

__all__ = ["CATEGORIES", "LEVELS", "POISONING_SIGNALS", "Classification", "Level", "OperationGuard", "Signal",
           "classify_tool"]

Level = Literal["low", "medium", "high", "critical"]
LEVELS: Final[tuple[Level, ...]] = ("low", "medium", "high", "critical")
CATEGORIES: Final[tuple[Category, ...]] = ("read", "write", "execute", "destructive", "financial", "other")
_BASE_LEVEL: Final[dict[str, int]] = {"read": 0, "other": 1, "write": 1, "execute": 2, "destructive": 3,
                                      "financial": 3}
# Signals that raise the level one step: on any tool, or only on tools that change something.
_ESCALATE_ALWAYS: Final[frozenset[str]] = frozenset({"secret-material", "hidden-unicode"})
_ESCALATE_MUTATING: Final[frozenset[str]] = frozenset({"bulk", "raw-payload", "irreversible", "open-world-write",
                                                       "risk-warning"})
# Signals of a definition written to steer the model: the tool is at least high, whatever it does.
POISONING_SIGNALS: Final[frozenset[str]] = frozenset({"instruction-in-description", "hidden-unicode"})
_POISONED_FLOOR: Final[int] = 2  # high

_FINANCIAL_VERBS: Final[frozenset[str]] = frozenset(w for w, c in VERBS.items() if c == "financial")
_HISTORY_NOUNS: Final[frozenset[str]] = words("history histories")
_BULK_WORDS: Final[frozenset[str]] = words("batch bulk multi multiple all mass many")
_SECRET_NAME_PAIRS: Final[frozenset[tuple[str, str]]] = frozenset({("private", "key"), ("seed", "phrase"),
                                                                   ("secret", "key"), ("api", "key")})
_SECRET_NAME_WORDS: Final[frozenset[str]] = words("mnemonic privatekey passphrase password secret")

_IRREVERSIBLE_RE = re.compile(r"\bpermanent(?:ly)?\b|\birreversib\w*|\bcannot\s+be\s+(?:undone|reversed|recovered)"
                              r"|\bcan'?t\s+be\s+(?:undone|reversed|recovered)|\bno\s+undo\b|\bnot\s+reversible\b"
                              r"|\boverwrit\w*", re.IGNORECASE)
_WARNING_RE = re.compile(r"⚠|\bwarning\b|\bdanger(?:ous)?\b|\bhigh[\s-]risk\b|\bcaution\b|\buse\s+with\s+care\b",
                         re.IGNORECASE)
_BULK_PROSE_RE = re.compile(r"\b(?:in\s+bulk|in\s+batch(?:es)?|batch\s+of|multiple|mass)\b|\b(?:delete|remove|cancel|"
                            r"close|clear|update|transfer|withdraw|sell|revoke|reset|send|archive|purge|drop)s?\s+"
                            r"all\b", re.IGNORECASE)

_IRREVERSIBLE_NEEDLES = ("permanent", "irreversib", "undone", "reversed", "recovered", "undo", "reversible", "overwrit")
_WARNING_NEEDLES = ("⚠", "warning", "danger", "risk", "caution", "care")
_BULK_NEEDLES = ("bulk", "batch", "multiple", "mass", "all")


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason behind a classification: an id (``secret-material``) and the evidence that fired."""

    id: str
    evidence: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class OperationGuard:
    """A consolidated tool's operation argument and the values that make it dangerous."""

    argument: str
    values: tuple[str, ...]
    category: Category


@dataclass(frozen=True, slots=True)
class Classification:
    """The risk of one tool."""

    name: str
    category: Category
    level: Level
    signals: tuple[Signal, ...]
    guard: OperationGuard | None = None

    @property
    def mutating(self) -> bool:
        return self.category != "read"

    def has(self, signal_id: str) -> bool:
        return any(s.id == signal_id for s in self.signals)

    def with_signal(self, signal: Signal) -> Classification:
        """A copy with one more (informational) signal, e.g. ``name-collision`` found across servers."""
        if signal in self.signals:
            return self
        return Classification(self.name, self.category, self.level, (*self.signals, signal), self.guard)

    def as_json(self, server: str) -> dict[str, Any]:
        return {"server": server, "name": self.name, "category": self.category, "level": self.level,
                "signals": [s.as_json() for s in self.signals]}


@dataclass(slots=True)
class _Verdict:
    category: Category
    signals: list[Signal]

    def add(self, signal_id: str, evidence: str) -> None:
        self.signals.append(Signal(signal_id, evidence))

    def raise_to(self, category: Category, signal_id: str, evidence: str) -> None:
        if CATEGORY_RANK[category] > CATEGORY_RANK[self.category] or (
                self.category == "other" and category != "read"):
            self.category = category
            self.add(signal_id, evidence)


def _name_verb(words: list[str]) -> tuple[int, str] | None:
    """The index and word of the name's verb, or None."""
    n = len(words)
    candidates: list[int] = []
    in_compound = -1
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < n else ""
        if (w, nxt) in COMPOUND_NOUNS:
            in_compound = i + 1
            continue
        if w not in VERBS or i == in_compound:
            continue
        if nxt in READ_NOUNS and (w in WEAK_VERBS or w in _FINANCIAL_VERBS):
            continue  # "withdraw history", "trade fee": a record, not the act
        if nxt in _HISTORY_NOUNS and VERBS[w] != "destructive":
            continue  # "lock history": past events, not the act
        if i == n - 1 and n > 1 and w in WEAK_VERBS:
            continue  # "signin_message", "options_mark": a noun at the end of the name
        candidates.append(i)
    if n > 1 and words[-1] in READ_NOUNS and all(words[i] in WEAK_VERBS for i in candidates):
        return None  # "auto invest rebalance history", "redemption record": a record of something
    if candidates and candidates[0] == 0 and words[0] not in WEAK_VERBS:
        return 0, words[0]
    if n > 1 and words[-1] in SUFFIX_VERBS and (not candidates or words[-1] not in READ_NOUNS
                                                or candidates == [n - 1]):
        return n - 1, words[-1]
    strong = [i for i in candidates if words[i] not in WEAK_VERBS]
    if strong:
        return strong[0], words[strong[0]]
    if candidates:
        return candidates[0], words[candidates[0]]
    return None


def _description_verb(description: str) -> tuple[int, str, list[str]] | None:
    """The first verb of the description's opening words, with the words that follow it."""
    words = prose_words(description, 40)
    for i, w in enumerate(words):
        if w in DESCRIPTION_FILLER or w in ".!?:;":
            continue
        verb = base_verb(w, VERBS)
        if verb is not None and verb not in NAME_ONLY_VERBS:
            return i, verb, words[i + 1: i + 8]
    return None


def _settle(verb: str, objects: list[str]) -> Category:
    """The category of a verb given the words of its object."""
    for nouns, category in AMBIGUOUS_VERBS.get(verb, ()):
        if any(o in nouns for o in objects):
            return category
    return VERBS[verb] if verb in VERBS else SUFFIX_VERBS[verb]


def _verb_step(name: str, words: list[str], description: str) -> tuple[_Verdict, list[str]]:
    """Steps 1 and 2 of the module docstring: the category from the verb and its object."""
    found = _name_verb(words)
    if found is not None and found[1] in WEAK_VERBS and found[1] not in SUFFIX_VERBS:
        from_prose = _description_verb(description)
        if from_prose is not None and from_prose[1] not in WEAK_VERBS:
            found = None  # "new_pools_browser": the description's "query" says more than "new"
    if found is not None:
        index, verb = found
        objects = words[index + 1:] + words[:index]
        category = _settle(verb, objects)
        where = "opens the name" if index == 0 else ("ends the name" if index == len(words) - 1 else "in the name")
        kind = "verb" if verb in VERBS else "word"
        settled = f", settled by its object '{_first_hit(verb, objects)}'" if category != VERBS.get(verb, category) \
            else ""
        return _Verdict(category, [Signal(f"{category}-verb", f"{kind} '{verb}' {where} '{name}'{settled}")]), objects
    if words and words[-1] in READ_NOUNS:
        return _Verdict("read", [Signal("read-verb", f"the name ends in the record noun '{words[-1]}'")]), words
    from_prose = _description_verb(description)
    if from_prose is not None:
        _, verb, following = from_prose
        objects = words + following
        category = _settle(verb, objects)
        return _Verdict(category, [Signal(f"{category}-verb", f"no verb in the name; the description's verb is "
                                                              f"'{verb}'")]), objects
    return _Verdict("other", [Signal("unclassified", "no known verb in the name or the description: treated as "
                                                     "a write (fail closed)")]), words


def _first_hit(verb: str, objects: list[str]) -> str:
    for nouns, _ in AMBIGUOUS_VERBS.get(verb, ()):
        for o in objects:
            if o in nouns:
                return o
    return ""


def _money_step(v: _Verdict, words: list[str], facts: SchemaFacts) -> None:
    if v.category in ("write", "execute", "other"):
        action = next((w for w in words if w in FINANCIAL_ACTION_NOUNS), None)
        money = next((w for w in words if w in MONEY_NOUNS), None)
        if action is not None:
            v.raise_to("financial", "financial-object", f"a mutating verb on the money-moving noun '{action}'")
        elif money is not None and facts.amounts:
            v.raise_to("financial", "financial-object",
                       f"a mutating verb on '{money}' with the amount argument '{facts.amounts[0]}'")
    if v.category == "read":
        noun = next((w for w in words if w in FINANCIAL_DATA_NOUNS), None)
        if noun is not None:
            v.add("financial-data", f"reads financial data ('{noun}'); it does not move money")


def _schema_step(v: _Verdict, facts: SchemaFacts) -> OperationGuard | None:
    if facts.code:
        v.add("code-exec", f"argument '{facts.code[0]}' carries code or a command to run")
        v.raise_to("execute", "execute-verb", f"runs what argument '{facts.code[0]}' says")
    guard: OperationGuard | None = None
    for arg, values in facts.operations:
        by_category: dict[str, list[str]] = {}
        for value in values:
            value_words = tokenize(value)
            found = _name_verb(value_words) if value_words else None
            if found is not None:
                by_category.setdefault(_settle(found[1], value_words), []).append(value)
        for category, signal_id in (("financial", "financial-operation"), ("destructive", "destructive-operation"),
                                    ("execute", "execute-operation"), ("write", "mutating-operation")):
            hits = by_category.get(category)
            if not hits:
                continue
            shown = ", ".join(f"'{h}'" for h in hits[:5]) + (" …" if len(hits) > 5 else "")
            before = v.category
            v.raise_to(category, signal_id, f"argument '{arg}' can be {shown}")  # type: ignore[arg-type]
            if category in ("financial", "destructive") and guard is None and len(hits) < len(values):
                guard = OperationGuard(arg, tuple(hits), category)  # type: ignore[arg-type]
            if v.category != before:
                break
    return guard


def _annotation_step(v: _Verdict, annotations: Any, trusted: bool) -> None:
    if not isinstance(annotations, Mapping):
        return
    read_only = annotations.get("readOnlyHint")
    destructive = annotations.get("destructiveHint")
    named = v.category
    if read_only is True and named != "read":
        v.add("annotation-conflict", f"readOnlyHint is true but the name says {named}"
              + ("" if trusted else "; the hint is not trusted"))
        if trusted:
            v.category = "read"
            v.add("trusted-annotation", "the server is trusted: readOnlyHint lowers the category to read")
    elif read_only is False and named == "read":
        v.add("annotation-conflict", "readOnlyHint is false but the name says read")
        v.raise_to("write", "annotated-mutating", "readOnlyHint is false: the server says it changes state")
    if destructive is True and read_only is not True and v.category not in ("destructive", "financial"):
        if named == "read":
            v.add("annotation-conflict", "destructiveHint is true but the name says read")
        v.category = "write" if v.category == "read" else v.category
        v.raise_to("destructive", "annotated-destructive", "destructiveHint is true: the server says it may "
                                                           "destroy data")
    elif destructive is False and trusted and v.category == "destructive" and read_only is not True:
        v.category = "write"
        v.add("trusted-annotation", "the server is trusted: destructiveHint false lowers the category to write")


def _search(pattern: re.Pattern[str], text: str, lower: str, needles: tuple[str, ...]) -> re.Match[str] | None:
    """``pattern.search(text)``, skipped when none of the words it needs is in ``lower`` (a cheap test)."""
    for needle in needles:
        if needle in lower:
            return pattern.search(text)
    return None


def _risk_signals(v: _Verdict, words: list[str], description: str, facts: SchemaFacts,
                  annotations: Any) -> None:
    mutating = v.category != "read"
    bulk_word = next((w for w in words if w in _BULK_WORDS), None)
    lower = description.lower()
    m = _search(_BULK_PROSE_RE, description, lower, _BULK_NEEDLES)
    if bulk_word is not None:
        v.add("bulk", f"the name has '{bulk_word}': affects several targets")
    elif facts.lists:
        v.add("bulk", f"argument '{facts.lists[0]}' is a list of targets")
    elif m is not None:
        v.add("bulk", f'the description says "{m.group(0)}"')
    pair = next((f"{a} {b}" for a, b in pairwise(words) if (a, b) in _SECRET_NAME_PAIRS), None)
    secret_word = pair or next((w for w in words if w in _SECRET_NAME_WORDS), None)
    if facts.secrets:
        v.add("secret-material", f"argument '{facts.secrets[0]}' carries a secret"
              + (f" (and {len(facts.secrets) - 1} more)" if len(facts.secrets) > 1 else ""))
    elif secret_word is not None:
        v.add("secret-material", f"the name mentions '{secret_word}': it handles secret material")
    if facts.payloads and mutating:
        v.add("raw-payload", f"argument '{facts.payloads[0]}' accepts raw HTML/template content")
    if mutating:
        m = _search(_IRREVERSIBLE_RE, description, lower, _IRREVERSIBLE_NEEDLES)
        if m is not None:
            v.add("irreversible", f'the description says "{m.group(0)}"')
        m = _search(_WARNING_RE, description, lower, _WARNING_NEEDLES)
        if m is not None:
            v.add("risk-warning", f'the description warns "{m.group(0)}"')
        open_world = isinstance(annotations, Mapping) and annotations.get("openWorldHint") is True
        if open_world:
            v.add("open-world-write", "openWorldHint is true on a tool that changes state")
        elif facts.urls:
            v.add("open-world-write", f"argument '{facts.urls[0]}' sends to an address the caller chooses")


def _level(category: Category, signals: list[Signal]) -> Level:
    step = _BASE_LEVEL[category]
    fired = {s.id for s in signals}
    step += len(fired & _ESCALATE_ALWAYS)
    if category != "read":
        step += len(fired & _ESCALATE_MUTATING)
    if fired & POISONING_SIGNALS:
        step = max(step, _POISONED_FLOOR)
    return LEVELS[min(step, 3)]


def classify_tool(tool: Mapping[str, Any], *, trusted: bool = False) -> Classification:
    """Classify one MCP tool definition (``{"name", "description", "inputSchema", "annotations", ...}``)."""
    raw_name = tool.get("name")
    name = raw_name if isinstance(raw_name, str) else ""
    raw_description = tool.get("description")
    description = raw_description if isinstance(raw_description, str) else ""
    annotations = tool.get("annotations")
    words = tokenize(name)
    verdict, objects = _verb_step(name, words, description)
    facts = read_schema(tool.get("inputSchema"), description)
    _money_step(verdict, objects if verdict.signals[0].evidence.startswith("no verb") else words, facts)
    guard = _schema_step(verdict, facts)
    _annotation_step(verdict, annotations, trusted)
    _risk_signals(verdict, words, description, facts, annotations)
    for hit in scan_definition(tool):
        verdict.add(hit.signal, hit.evidence)
    if guard is not None and verdict.category != guard.category:
        guard = None
    return Classification(name, verdict.category, _level(verdict.category, verdict.signals),
                          tuple(verdict.signals), guard)
