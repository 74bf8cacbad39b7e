"""Read what a namespace router does from the operations its description enumerates, as a person would.

A router is a tool whose free-text ``command``/``operation`` argument picks a sub-command its definition
does not list ("This tool is a hierarchical command router: set learn=true to discover sub-commands").
Its description still says what the sub-commands do: "Commands for creating, listing and deleting
widgets", "Includes operations for listing stores and retrieving settings", "Provides sub-commands to
generate plans and fetch logs", "Use this tool to create accounts, list and get their details". This
module collects those operations:

- **verbs where an operation can stand**: opening a sentence or a clause ("Get prices and compare
  them"), after "for"/"including"/"supports" ("for listing"), after "commands to"/"tool to" ("to
  create"), and chained to one of those by "and"/"or"/","/"/" ("listing, creating and deleting");
- **anywhere**, gerunds that change something ("… to streamline provisioning"), any form of a verb that
  destroys ("can be deleted"), and acts named as nouns ("widget deletion"): what the router can do is not
  only where a grammar puts it;
- **wording** that says it changes things without a verb: "CRUD", "read and write", "permanently";
- nothing in a negated clause ("These commands do not support querying logs", "Not for pod changes").

Each operation is settled by its object (``verbs.settle``: "generating plans" reads). Words that name the
router's domain without saying what it does to it (``manage``, ``handle``; "accessing" anything but
knowledge) are **scope**, not operations; words for how it works ("uses", "call") are neither. A
**query** is not a read: what a router passes on may be a statement that writes, unless the description
names a query language that only reads (KQL, PromQL).

The classifier (``route``) then reads a router as a read only when it enumerates at least one operation and
every one of them reads, with no query and no wording that changes anything; any mutating operation makes
it the riskiest one named (``manage`` with mutating operations: it may delete); nothing placeable keeps it
held as before (fail closed, never read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from portcullis.catalog.lexicon import CATEGORY_RANK, READ_ONLY_QUERY_LANGUAGES, VERBS, Category, words
from portcullis.catalog.losses import irreversible
from portcullis.catalog.prose import purpose_verbs
from portcullis.catalog.tokens import PlainSplitter, letters
from portcullis.catalog.verbs import base_of, settle
from portcullis.catalog.verdict import Verdict
from portcullis.catalog.wording import says_read_write

__all__ = ["Enumeration", "enumerate_operations", "route"]

# Sentences about the routing itself ("set learn=true to discover sub-commands"), not about what it routes to.
_MECHANICS_RE = re.compile(
    r"\bhierarchical\s+(?:mcp\s+)?command\b|\bare\s+routed\b|\bto\s+invoke\s+a\s+command\b|\blearn\s*=\s*true\b|\bcommand\s+router\b",
    re.IGNORECASE,
)
# Where sentences end: after a full stop, ! or ? followed by a space or a capital, or at a blank line. Written
# ``[.!?](?=\s|[A-Z])|\n\s*\n`` opens with no character the engine can skip to (it would try every position);
# opening with a character class, it skips to the punctuation or the line break by itself
_SENTENCE_END_RE = re.compile(r"[.!?\n](?:(?<=[.!?])(?=\s|[A-Z])|(?<=\n)\s*\n)")
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9']*(?:-[A-Za-z0-9]+)*|[,;:|/&()]|\s[-\u2013\u2014]\s|[\u2013\u2014]")
_BOUNDARIES: Final[frozenset[str]] = frozenset({";", ":", "|", "-", "\u2013", "\u2014", "(", ")"})
# _TOKEN_RE's tokens of a plain text: the marks it makes tokens of; "'" or "-" (a word holds them but does not open
# with them; also the dash between spaces), or a digit after a letter, make a text not plain
_PLAIN_SPLIT = PlainSplitter(",;:|/&()", "'-")
_GERUND_OPENERS: Final[frozenset[str]] = words("for including includes include supports support supporting")
# "Commands to create", "Use this tool to list": the verb follows "to" after these.
_TO_OPENERS: Final[frozenset[str]] = words(
    "commands command operations operation tools tool sub-commands subcommands utilities functions actions "
    "it them used able allows allow enables enable lets let helps help you"
)
_CHAIN: Final[frozenset[str]] = frozenset({",", "and", "or", "then", "/", "&", "also", "as", "well"})
_CHAIN_STOPS: Final[frozenset[str]] = words(
    "that which who whose where when while if whether unless because so but based via using"
)
_NEGATIONS: Final[frozenset[str]] = words("not never without no cannot don't doesn't isn't aren't won't")
_FILLER: Final[frozenset[str]] = words("this these the a an tool tools you can will also then please simply")
_ARTICLES: Final[frozenset[str]] = words("the a an")
# The router's domain, not what it does to it ("Commands for managing X", "working with Y").
_SCOPE_VERBS: Final[frozenset[str]] = words("manage handle administer")
_MANAGING: Final[frozenset[str]] = words("manage administer")
# How the tool works, not what it does ("Uses AI diagnostics to detect …", "then call the tool").
_MECHANISM_VERBS: Final[frozenset[str]] = words("call invoke use leverage employ")
_QUERY_VERBS: Final[frozenset[str]] = words("query execute run perform")
_QUERY_NOUNS: Final[frozenset[str]] = words("query queries statement statements")
# Reaching knowledge, not resources: "Commands for accessing guidance and best practices".
_KNOWLEDGE_NOUNS: Final[frozenset[str]] = words(
    "documentation docs guidance practices recommendations templates schemas examples instructions designs "
    "diagrams tutorials guides articles knowledge"
)
_KNOWLEDGE_VERBS: Final[frozenset[str]] = words("access accessing browse browsing explore exploring")
# Verbs that destroy, and acts named as nouns: they count in any form, anywhere.
_DESTROYING: Final[frozenset[str]] = words(
    "delete remove drop purge destroy erase wipe truncate terminate kill revoke uninstall deprovision deregister "
    "unregister evict flush"
)
_NAMED_ACTS: Final[dict[str, Category]] = {
    **dict.fromkeys(
        words("deletion deletions removal removals destruction termination cancellation truncation eviction"),
        "destructive",
    ),
    **dict.fromkeys(words("creation modification modifications"), "write"),
}
# The tokens _walk and _anywhere may act on without un-inflecting them (base_of finds the others).
_LIVE: Final[frozenset[str]] = frozenset(VERBS).union(_NAMED_ACTS, _KNOWLEDGE_VERBS)
_CRUD_RE = re.compile(r"\bCRUD\b")
_READ_ONLY_LANGUAGE_RE = re.compile(r"\b(?:" + "|".join(sorted(READ_ONLY_QUERY_LANGUAGES)) + r")\b", re.IGNORECASE)
_LANGUAGE_WORDS: Final[frozenset[bytes]] = frozenset(w.encode() for w in READ_ONLY_QUERY_LANGUAGES)
_OBJECT_WORDS = 8
_MECHANICS_LEAD = 4  # words before the routing wording that are part of it ("Set \"learn=true", "This is a")


@dataclass(slots=True)
class Enumeration:
    """The operations a router's description enumerates, sorted by what they do (each as written)."""

    reads: list[str] = field(default_factory=list)
    mutating: list[tuple[str, Category]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)  # queries in a language not known to only read
    scope: list[str] = field(default_factory=list)  # manage, handle: the domain, not an operation
    wording: str | None = None  # "CRUD", "read and write", "permanently"

    @property
    def only_reads(self) -> bool:
        return bool(self.reads) and not self.mutating and not self.queries and self.wording is None

    @property
    def riskiest(self) -> tuple[str, Category] | None:
        return max(self.mutating, key=lambda m: CATEGORY_RANK[m[1]]) if self.mutating else None

    def add(self, written: str, verb: str, following: tuple[str, ...], read_only_language: bool) -> None:
        if any(written == w for w in (*self.reads, *self.queries, *self.scope, *(m[0] for m in self.mutating))):
            return
        if verb in _KNOWLEDGE_VERBS or written in _KNOWLEDGE_VERBS:
            if any(w in _KNOWLEDGE_NOUNS for w in following):
                self.reads.append(written)
            else:
                self.scope.append(written)
            return
        if verb in _SCOPE_VERBS:
            self.scope.append(written)
            return
        if verb == "query" or (verb in _QUERY_VERBS and any(w in _QUERY_NOUNS for w in following[:3])):
            (self.reads if read_only_language else self.queries).append(written)
            return
        category = settle(verb, following)
        if category == "read":
            self.reads.append(written)
        else:
            self.mutating.append((written, category))


def _sentences(description: str) -> list[list[str]]:
    """The description's sentences as lower-case tokens, without what they say about the routing itself or
    what follows a negation in its clause ("Not for pod changes, or deployments")."""
    out: list[list[str]] = []
    # every match of _MECHANICS_RE holds "command", "routed" or "learn" as letters (none of them has a letter
    # that IGNORECASE matches to a character other than its cases): most descriptions hold none
    found = letters(description).text
    routing = found.find(b"command") >= 0 or found.find(b"routed") >= 0 or found.find(b"learn") >= 0
    for sentence in _split_sentences(description):
        mechanics = _MECHANICS_RE.search(sentence) if routing and _may_be_mechanics(sentence) else None
        if mechanics is not None:  # what precedes it may be glued on ("supports sending SMSThis tool is a …")
            sentence = sentence[: mechanics.start()]
            if len(sentence.split()) <= _MECHANICS_LEAD:
                continue
        ascii_text = sentence.isascii()  # lower-cased in one go (lower-casing other letters may make ASCII ones)
        lower = sentence.lower() if ascii_text else sentence
        found_tokens = (ascii_text and _plain_tokens(lower)) or _TOKEN_RE.findall(lower)
        if ascii_text and "n't" not in lower and _NEGATIONS.isdisjoint(found_tokens):
            # the common case: no negation, every token is kept (only a dash between spaces is stripped)
            tokens = [t.strip() if t[0].isspace() else t for t in found_tokens] if "-" in lower else found_tokens
            if tokens:
                out.append(tokens)
            continue
        tokens = []
        negated = False
        for token in found_tokens:
            if not ascii_text or token[0].isspace():  # " - ": a dash between spaces
                token = token.strip().lower()
            if token in _BOUNDARIES:
                negated = False  # a negation holds to the end of its clause
            elif token in _NEGATIONS or token.endswith("n't"):
                negated = True
            if not negated:
                tokens.append(token)
        if tokens:
            out.append(tokens)
    return out


def _plain_tokens(lower: str) -> list[str] | None:
    """``_TOKEN_RE.findall(lower)`` for a plain lower-case ASCII text, by splitting it (several times faster than the
    engine); None (or no token) for another. Plain: no character a word may hold but not open with (``'``, ``-``,
    which also makes the dash between spaces; a digit after a letter): every token is then a run of letters or one
    punctuation mark, and every other character (a digit too) only separates them."""
    return _PLAIN_SPLIT(lower)


def _may_be_mechanics(sentence: str) -> bool:
    """Whether ``sentence`` holds "command", "routed" or "learn", which every match of ``_MECHANICS_RE`` holds (in
    any case; no character other than their letters' cases lower-cases to one of their letters)."""
    lower = sentence.lower()
    return lower.find("command") >= 0 or lower.find("routed") >= 0 or lower.find("learn") >= 0


def _split_sentences(description: str) -> list[str]:
    """``re.split(r"(?<=[.!?])(?=\\s|[A-Z])|\\n\\s*\\n", description)``: the punctuation stays with its sentence,
    a blank line goes."""
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(description):
        if m.group(0)[0] == "\n":
            pieces.append(description[start : m.start()])
        else:
            pieces.append(description[start : m.end()])
        start = m.end()
    pieces.append(description[start:])
    return pieces


def _verb(token: str, gerund: bool) -> str | None:
    """The lexicon verb ``token`` is in the expected form: a gerund ("listing"), or a base or third-person form
    ("list", "lists")."""
    if token in _KNOWLEDGE_VERBS:
        return token if gerund == token.endswith("ing") else None
    if token in VERBS:
        return None if gerund else token
    if gerund != token.endswith("ing"):
        return None
    return base_of(token)


def _opens(tokens: list[str], i: int) -> bool | None:
    """Whether an operation can start at ``i`` and in which form (True: a gerund), or None."""
    before = tokens[i - 1] if i else ""
    if not i or before in _BOUNDARIES:
        return False
    if before in _GERUND_OPENERS:
        return True
    if before == "to" and i > 1 and tokens[i - 2] in _TO_OPENERS:
        return False
    return None


def _walk(tokens: list[str], found: Enumeration, read_only_language: bool) -> None:
    """Collect the operations of one sentence (see the module doc)."""
    form: bool | None = None  # inside a run of operations: the form they are written in
    forced: bool | None = None  # an operation may start here whatever precedes it ("uses X to detect")
    n = len(tokens)
    i = 0
    while i < n:
        token = tokens[i]
        if token in _BOUNDARIES or token in _CHAIN_STOPS:
            form = None
        if token not in _LIVE and base_of(token) is None:  # no verb in any form, no act: nothing below applies
            forced = None
            i += 1
            continue
        start = i
        while start > 0 and tokens[start - 1] in _FILLER:
            start -= 1  # "This tool returns", "Use this tool to create"
        opens = forced if forced is not None else _opens(tokens, start)
        forced = None
        if opens is None and form is not None and i and tokens[i - 1] in _CHAIN:
            opens = form
        verb = _verb(token, opens) if opens is not None else None
        if verb is None:
            _anywhere(tokens, i, found, read_only_language)
            i += 1
            continue
        form = opens
        if verb in _MECHANISM_VERBS:  # how it works, not what it does
            if "to" in tokens[i + 1 : i + 9]:
                i += 2 + tokens[i + 1 : i + 9].index("to")  # "Uses AI diagnostics to detect problems": detect
                forced = False
            else:
                i += 1
            continue
        following = tuple(t for t in tokens[i + 1 : i + 1 + _OBJECT_WORDS] if t[0].isalpha())
        found.add(token, verb, following, read_only_language)
        i += 1


def _anywhere(tokens: list[str], i: int, found: Enumeration, read_only_language: bool) -> None:
    """What changes something counts wherever it stands: a gerund ("to streamline provisioning"), unless an
    article makes it a noun ("the following"); a form of a verb that destroys ("deleted with the delete
    sub-command"); an act named as a noun ("widget deletion", "VM creation")."""
    token = tokens[i]
    act = _NAMED_ACTS.get(token)
    if act is not None:
        if all(token != m[0] for m in found.mutating):
            found.mutating.append((token, act))
        return
    verb = token if token in VERBS else base_of(token)
    if verb is None or verb in _MECHANISM_VERBS:
        return
    gerund = token.endswith("ing") and token not in VERBS and not (i and tokens[i - 1] in _ARTICLES)
    if verb in _DESTROYING or (gerund and (VERBS[verb] != "read" or verb in _SCOPE_VERBS)):
        following = tuple(t for t in tokens[i + 1 : i + 1 + _OBJECT_WORDS] if t[0].isalpha())
        found.add(token, verb, following, read_only_language)


def enumerate_operations(description: str) -> Enumeration:
    """The operations a router's description enumerates (see the module doc)."""
    found = Enumeration()
    # an ASCII text holds a language's name as a run of letters where the pattern finds it: most hold none
    none_named = description.isascii() and _LANGUAGE_WORDS.isdisjoint(letters(description).words)
    read_only_language = not none_named and _READ_ONLY_LANGUAGE_RE.search(description) is not None
    for tokens in _sentences(description):
        _walk(tokens, found, read_only_language)
    crud = _CRUD_RE.search(description) if "CRUD" in description else None  # a substring test first: most lack it
    found.wording = crud.group(0) if crud else says_read_write(description) or irreversible(description)
    if crud:
        found.mutating.append(("CRUD", "destructive"))
    return found


def _shown(values: list[str]) -> str:
    return ", ".join(f"'{h}'" for h in values[:5]) + (" …" if len(values) > 5 else "")


def route(v: Verdict, arg: str, description: str, exact: bool) -> None:
    """A router whose operations its arguments do not list: what its description enumerates (``exact``: the
    tool's name says nothing they could contradict, so they may lower it to a read)."""
    ops = enumerate_operations(description)
    if ops.only_reads:
        evidence = (
            f"argument '{arg}' picks a sub-command; every operation the description names reads "
            f"({_shown(ops.reads)})" + (f"; {_shown(ops.scope)} names what it is about" if ops.scope else "")
        )
        if v.category == "read":
            v.add("routed-reads", evidence)
            return
        if exact:
            v.set("read", "routed-reads", evidence)
            return
    riskiest = ops.riskiest
    managing = next((s for s in ops.scope if base_of(s) in _MANAGING), None)
    if riskiest is not None:
        top = riskiest[1]
        if managing is not None and CATEGORY_RANK[top] < CATEGORY_RANK["destructive"]:
            top = "destructive"
        v.raise_to(
            top,
            "routed-operations",
            f"argument '{arg}' picks a sub-command; the description names {_shown([m[0] for m in ops.mutating])}"
            + (f" and '{managing}' (it may delete)" if top != riskiest[1] else ""),
        )
        return
    _unplaced(v, arg, description, ops, managing)


def _unplaced(v: Verdict, arg: str, description: str, ops: Enumeration, managing: str | None) -> None:
    """A router whose description names no operation that changes anything, and not only reads either: at least
    a write (fail closed), destructive when it is for managing something (it may delete)."""
    if managing is not None:
        v.raise_to(
            "destructive",
            "unlisted-operations",
            f"argument '{arg}' picks an operation the description does not list, and the tool is for "
            f"'{managing}': it may delete",
        )
        return
    purposes = [p for p in purpose_verbs(description) if p.verb in VERBS and p.verb not in _SCOPE_VERBS]
    top: Category = max((settle(p.verb, p.following) for p in purposes), key=CATEGORY_RANK.__getitem__, default="write")
    named = [*ops.queries, *ops.reads, *ops.scope] or [p.written for p in purposes]
    why = (
        f"its queries {_shown(ops.queries)} may write"
        if ops.queries
        else f"the tool is for {_shown(named)}"
        if named
        else "nothing lists them: anything the server supports"
    )
    v.raise_to(
        top if CATEGORY_RANK[top] > CATEGORY_RANK["write"] else "write",
        "unlisted-operations",
        f"argument '{arg}' picks an operation the description does not list ({why}): not placed as a read "
        "(fail closed)",
    )
