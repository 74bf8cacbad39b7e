"""What a tool's description says it destroys or loses, anywhere in it: irreversible or overwriting effects
("permanently", "cannot be undone", "overwrites", "items not provided will be removed", "also deletes", "Destructive
when …"), a find-and-replace, an upsert, a forced stop, a process-ending signal, cells written over, DELETE among the
requests it sends; unless negated in its own clause ("does not overwrite") or said of another tool
(``wording``'s clause reading). Each pattern is tried only when the description's runs of letters
(``tokens.letters``) hold a word every match needs, where that is cheaper.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Final

from portcullis.catalog.tokens import CaselessPattern, letters
from portcullis.catalog.wording import about_another_tool, first_affirmed, negated, sentence_around

__all__ = [
    "also_deletes",
    "deletes_things",
    "deleting_requests",
    "ending_signal",
    "finds_and_replaces",
    "forced_stop",
    "irreversible",
    "overwrites",
    "sets_cell_values",
    "upserts",
]

_IRREVERSIBLE_RE = CaselessPattern(
    r"\bpermanent(?:ly)?\b|\birreversib\w*|\b(?:cannot|can\s*not|can'?t|won'?t)\s+be\s+(?:undone|reversed|recovered|"
    r"restored)|\bno\s+undo\b|\bnot\s+(?:be\s+)?reversible\b|\boverwrit\w*|\bclobber\w*"
    r"|\breplac(?:e|es|ing)\s+(?:the\s+|an?\s+|all\s+(?:the\s+)?|any\s+)?(?:entire|existing|whole|current|previous|full)\b"
    r"|\b(?:destroys?|wipes?|erases?)\b"
    # "This is a REPLACE operation, not a merge", "This is a full replace."
    r"|\bfull\s+(?:[\w-]+\s+)?replace(?:ment)?\b|\breplace\s+operation\b|\bnot\s+a\s+merge\b"
    # "completely replacing its content", "the record is entirely replaced"
    r"|\b(?:completely|entirely|wholly|fully)\s+replac(?:e|es|ed|ing)\b"
    # "Original content is replaced; edit history is not preserved"
    r"|\b(?:original|existing|previous|old|entire|whole)\s+(?:[\w-]+\s+){0,2}?(?:is|are|will\s+be|gets?)\s+replaced\b"
    r"|\bhistory\s+(?:(?:is|are)\s+not|will\s+not\s+be|won'?t\s+be)\s+(?:preserved|kept|retained)\b",
    (
        "full",
        "completely",
        "entirely",
        "wholly",
        "original",
        "existing",
        "previous",
        "old",
        "entire",
        "whole",
        "history",
        "permanent",
        "irreversib",
        "cannot",
        "can",
        "won",
        "no",
        "not",
        "overwrit",
        "clobber",
        "replac",
        "destroy",
        "wipe",
        "erase",
    ),
)

# "destructive" said of the tool: as a label ("Destructive: the sources are consumed", "DESTRUCTIVE —"), as what it
# is ("This is destructive", "can be destructive") or "a destructive operation"; not a kind of command it refuses
# ("refuses destructive commands"), nor "non-destructive".
_DESTRUCTIVE_WORD_RE = re.compile(r"(?<!non-)(?<!non\s)\bdestructive\b", re.IGNORECASE)

_AS_LABEL_RE = re.compile(r"\s*(?::|!|\u2014|\u2013|-\s)|\s+(?:when|if)\s")  # "Destructive when `variables` is set"

_AS_PREDICATE_RE = re.compile(r"\b(?:is|are|be|being)\s+(?:(?!not\b|never\b)[a-z]+\s+)?$", re.IGNORECASE)

_AS_OPERATION_RE = re.compile(r"\s+(?:operation|action|change)\b", re.IGNORECASE)

_ARTICLE_RE = re.compile(r"\ba\s+$", re.IGNORECASE)

# A whole-list update: "Any line items not provided will be removed", "otherwise all assets will be removed".
_REMOVES_UNGIVEN_RE = CaselessPattern(
    r"\b(?:not\s+(?:provided|included|specified|listed|given|passed)|otherwise)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:(?:will\s+be|are|is|get|gets)\s+(?:removed|deleted|dropped|cleared|lost)"
    r"|(?:will\s+)?(?:revert|reset)s?\s+to\s+(?:their\s+|the\s+|its\s+)?defaults?)\b",
    ("not", "otherwise"),
)

# Every match of _REMOVES_UNGIVEN_RE holds a word of each.
_UNGIVEN_WORDS: Final[frozenset[bytes]] = frozenset(
    b"provided included specified listed given passed otherwise".split()
)

_REMOVED_WORDS: Final[frozenset[bytes]] = frozenset(b"removed deleted dropped cleared lost revert reset".split())

# Every match of _IRREVERSIBLE_RE holds one of these words as a run of letters ("full replace" holds "replace"), or
# begins with "irreversib", "overwrit" or "clobber", or holds "a merge" (looked for one by one in ``irreversible``:
# no generator made for each text).
_IRREVERSIBLE_WORDS: Final[frozenset[bytes]] = frozenset(
    b"permanent permanently undone reversed recovered restored undo reversible replace replaces replacing destroy "
    b"destroys wipe wipes erase erases replaced replacement preserved kept retained".split()
)

_OVERWRITES_RE = CaselessPattern(r"\boverwrit(?:es|ing)\b", ("overwrit",))

# A find-and-replace, named as such: whatever matches is replaced where it stands.
_FIND_REPLACE_RE = CaselessPattern(
    r"\b(?:find|search)(?:[\s-]+(?:and|&|n)[\s-]+|\s*/\s*)replace\b", ("find", "search")
)  # "find-and-replace", "search & replace", "find/replace operations"

_ALSO_DELETES_RE = CaselessPattern(
    r"\balso\s+(?:permanently\s+)?(?:deletes|removes|purges|drops|wipes|erases|destroys)\b", ("also",)
)

# What an argument does, said in its description: "removing them from the queue", "'replace' deletes contacts
# that are not in the list", "claimed jobs are removed from the queue"; not an infinitive ("the record to delete"),
# a participle that names ("include deleted items", "items that are deleted"), or what would be ("shows what would
# be deleted").
_DELETES_THINGS_RE = CaselessPattern(
    r"\b(?:delet|remov|purg|eras|revok|truncat)(?:es|ing)\b|\b(?:discards|discarding|drops|dropping|wipes|wiping|"
    r"destroys|destroying)\b|(?<!that\s)(?<!which\s)(?<!who\s)\b(?:is|are|will\s+be|gets?)\s+(?:permanently\s+)?(?:deleted|"
    r"removed|purged|erased|discarded|revoked|truncated|dropped|wiped|destroyed)\b",
    (
        "delet",
        "remov",
        "purg",
        "eras",
        "discard",
        "revok",
        "truncat",
        "drop",
        "wip",
        "destroy",
        "is",
        "are",
        "will",
        "get",
    ),
)

_UPSERT_RE = re.compile(r"\bupsert(?:s|ing|ed)?\b", re.IGNORECASE)

# A sentence about another tool: "… instead", "use insert_rows …", "see `bulk-upsert`".
_POINTS_ELSEWHERE_RE = re.compile(r"\binstead\b|\b(?:use|call|see|try)\s+[`'\"]?[A-Za-z0-9]+[_-][\w-]*", re.IGNORECASE)

# A stop that cuts a machine off ("force stop", "forced shutdown", "hard stop", "forcibly stops"), not a graceful one.
_FORCED_STOP_RE = CaselessPattern(
    r"\b(?:force[sd]?|forced|hard)[\s-]+(?:stop|shutdown|shut\s+down|power[\s-]?off|kill|reset)\w*"
    r"|\bforcibly\s+(?:stop|shut|kill|terminat)\w*|\b(?:stop|stops|stopping)\s+(?:\w+\s+){0,3}?forcibly\b"
    # "Attempts graceful shutdown first, forces after timeout"
    r"|\b(?:force[sd]?|kill(?:s|ed)?)\s+(?:it\s+)?(?:after|on|at|past)\s+(?:a\s+|the\s+)?time-?out\b",
    ("force", "hard", "forcibly", "stop", "kill"),
)

# The signals that end a process, named as signals are (in capitals): "Send a signal (INT, TERM, KILL)", "SIGKILL".
_ENDING_SIGNALS_RE = re.compile(r"\bSIG(?:KILL|TERM)\b|\b(?:KILL|TERM)\b")

_SIGNAL_WORDS: Final[frozenset[bytes]] = frozenset(b"signal signals signalled signaled sigkill sigterm".split())

# Values written into a sheet's cells: "Set cell values, formulas …", "writes the values of the cells" (a cell keeps
# no history of its own: what is written takes the place of what was there).
_CELL_VALUES_RE = CaselessPattern(
    r"\bcells?\s+(?:values?|contents?|data)\b|\b(?:values?|contents?|data)(?:\s+(?:and|or|and/or)\s+\w+)?"
    r"\s+(?:of|in|into|to)\s+"
    r"(?:the\s+|a\s+|each\s+|every\s+|all\s+)?(?:[\w-]+\s+)?cells?\b",
    ("cell", "value", "content", "data"),
)

# HTTP methods written as such: a list of them with DELETE among what a tool's requests may use.
_HTTP_METHOD_RE = re.compile(r"\b(?:GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE)\b")

_REQUESTS_RE = CaselessPattern(r"\brequests?\b", ("request",))


def irreversible(description: str) -> str | None:
    """The words that say the tool's effect cannot be undone or overwrites data, unless negated."""
    found = letters(description)
    text = found.text
    if (
        not found.words.isdisjoint(_IRREVERSIBLE_WORDS)
        or text.find(b"irreversib") >= 0
        or text.find(b"overwrit") >= 0
        or text.find(b"clobber") >= 0
        or text.find(b"a merge") >= 0
    ):
        for start, written in _IRREVERSIBLE_RE.finditer(description):
            if about_another_tool(description, start):
                continue
            if written.lower().startswith(("cannot", "can", "won", "no ", "not")):  # the phrase is the negation
                return written
            if not negated(description, start):
                return written
    if b"destructive" in found.words:
        said = _says_destructive(description)
        if said is not None:
            return said
    if found.words.isdisjoint(_REMOVED_WORDS) or found.words.isdisjoint(_UNGIVEN_WORDS):
        return None
    return _REMOVES_UNGIVEN_RE.search(description)  # holds its own negation ("not provided")


def _says_destructive(description: str) -> str | None:
    """The word "destructive" said of the tool (a label, a predicate, "a destructive operation"), unless negated."""
    for m in _DESTRUCTIVE_WORD_RE.finditer(description):
        before = description[max(0, m.start() - 30) : m.start()]
        after = description[m.end() : m.end() + 12]
        if negated(description, m.start()):
            continue
        if _AS_LABEL_RE.match(after) or _AS_PREDICATE_RE.search(before):
            return m.group(0)
        if _ARTICLE_RE.search(before) and _AS_OPERATION_RE.match(after):
            return m.group(0)
    return None


def overwrites(description: str) -> str | None:
    """The words that say the tool writes over what is at the place it is given ("overwriting any existing local
    file", "overwrites the target"), unless negated; not an option's or another tool's infinitive ("set
    overwrite to true", "use write_file to overwrite")."""
    if letters(description).text.find(b"overwrit") < 0:
        return None
    return first_affirmed(_OVERWRITES_RE, description)


def finds_and_replaces(description: str) -> str | None:
    """The words that say the tool finds and replaces text ("Use for find-and-replace operations"), unless
    negated."""
    if b"replace" not in letters(description).words:
        return None  # every match holds "replace"
    return first_affirmed(_FIND_REPLACE_RE, description)


def also_deletes(description: str) -> str | None:
    """The words that say the tool, or what it sets up, also deletes something ("the generated script also
    deletes backups older than …"), unless negated."""
    if b"also" not in letters(description).words:
        return None
    return first_affirmed(_ALSO_DELETES_RE, description)


def deletes_things(description: str) -> str | None:
    """The words that say something is deleted, removed or revoked ("removing them from the queue", "roles not
    listed are revoked"), unless negated; for an argument's description, where its effect is told."""
    return first_affirmed(_DELETES_THINGS_RE, description)


def upserts(description: str) -> str | None:
    """The word that says the tool upserts ("upsert behavior", "Upserts a record"), unless the sentence sends the
    reader to another tool for it ("For bulk updates, use insert_rows (upsert) instead")."""
    if b"upsert" not in letters(description).words:
        return None
    for m in islice(_UPSERT_RE.finditer(description), 20):  # a few: a hostile text may say it a million times
        start, stop = sentence_around(description, m.start(), m.end(), ".\n", ".")
        if _POINTS_ELSEWHERE_RE.search(description[start:stop]) is None:
            return m.group(0)
    return None


def forced_stop(description: str) -> str | None:
    """The words that say a stop is forced ("force stop", "hard stop", "otherwise force stop"), unless negated
    ("without a force stop")."""
    found = letters(description).words
    if b"forcibly" not in found and found.isdisjoint((b"force", b"forced", b"forces", b"hard", b"kill", b"kills")):
        return None  # every match holds one of these words
    return first_affirmed(_FORCED_STOP_RE, description)


def ending_signal(description: str) -> str | None:
    """The signal named that ends a process ("Send a signal (INT, TERM, KILL) to a process", "SIGTERM, then
    SIGKILL"), in a description that speaks of signals."""
    if letters(description).words.isdisjoint(_SIGNAL_WORDS):
        return None
    m = _ENDING_SIGNALS_RE.search(description)
    return m.group(0) if m is not None else None


def sets_cell_values(description: str) -> str | None:
    """The words that say the tool puts values into a sheet's cells ("Set cell values"), unless negated."""
    found = letters(description).words
    if b"cell" not in found and b"cells" not in found:
        return None  # every match holds "cell" or "cells"
    return first_affirmed(_CELL_VALUES_RE, description)


def deleting_requests(description: str) -> str | None:
    """The HTTP methods a description lists for the requests the tool sends, when ``DELETE`` is among several
    ("method: 'GET'|'POST'|'PATCH'|'DELETE'"); a statement list ("INSERT, UPDATE, DELETE") names no HTTP method
    beside it."""
    if "DELETE" not in description:
        return None
    methods = list(dict.fromkeys(_HTTP_METHOD_RE.findall(description)))
    if "DELETE" not in methods or len(methods) < 2 or _REQUESTS_RE.search(description) is None:
        return None
    return ", ".join(methods)
