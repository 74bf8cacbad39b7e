"""What a tool's description says about risk, anywhere in it: irreversible or overwriting effects
("permanently", "cannot be undone", "overwrites", "items not provided will be removed", "also deletes"), unless
negated ("does not overwrite"); statements that can write (``INSERT``, ``UPDATE``, ``DELETE``, "read and write
operations", "any SQL"); a promise to only read ("read-only"). Each pattern is tried only when the
description's runs of letters (``tokens.letters``) hold a word every match needs, where that is cheaper.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Final

from portcullis.catalog.lexicon import VERBS, words
from portcullis.catalog.tokens import CaselessPattern, base_verb, has_capital_pair, letters

__all__ = [
    "also_deletes",
    "automatic_act",
    "can_write",
    "deletes_things",
    "deleting_requests",
    "destructive_statements",
    "ending_signal",
    "finds_and_replaces",
    "forced_stop",
    "irreversible",
    "overwrites",
    "pays",
    "promises_read_only",
    "runs_migrations",
    "says_read_write",
    "sets_cell_values",
    "upserts",
    "writes_files",
]

_IRREVERSIBLE_RE = CaselessPattern(
    r"\bpermanent(?:ly)?\b|\birreversib\w*|\b(?:cannot|can\s*not|can'?t|won'?t)\s+be\s+(?:undone|reversed|recovered|"
    r"restored)|\bno\s+undo\b|\bnot\s+(?:be\s+)?reversible\b|\boverwrit\w*|\bclobber\w*"
    r"|\breplac(?:e|es|ing)\s+(?:the\s+|an?\s+|all\s+(?:the\s+)?|any\s+)?(?:entire|existing|whole|current|previous|full)\b"
    r"|\b(?:destroys?|wipes?|erases?)\b"
    # "This is a REPLACE operation, not a merge", "This is a full replace."
    r"|\bfull\s+replace(?:ment)?\b|\breplace\s+operation\b|\bnot\s+a\s+merge\b"
    # "Original content is replaced; edit history is not preserved"
    r"|\b(?:original|existing|previous|old|entire|whole)\s+(?:[\w-]+\s+){0,2}?(?:is|are|will\s+be|gets?)\s+replaced\b"
    r"|\bhistory\s+(?:(?:is|are)\s+not|will\s+not\s+be|won'?t\s+be)\s+(?:preserved|kept|retained)\b",
    (
        "full",
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
_NEGATIONS: Final[frozenset[str]] = words(
    "not never no without n't doesn't don't won't will'nt isn't avoid avoids instead"
)
# Every match of _IRREVERSIBLE_RE holds one of these words as a run of letters ("full replace" holds "replace"), or
# begins with "irreversib", "overwrit" or "clobber", or holds "a merge" (looked for one by one in ``irreversible``:
# no generator made for each text).
_IRREVERSIBLE_WORDS: Final[frozenset[bytes]] = frozenset(
    b"permanent permanently undone reversed recovered restored undo reversible replace replaces replacing destroy "
    b"destroys wipe wipes erase erases replaced replacement preserved kept retained".split()
)

_WRITE_STATEMENTS_RE = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|DROP|TRUNCATE|ALTER|CREATE|MERGE|UPSERT|REPLACE|"
    r"GRANT|REVOKE|DDL|DML)\b"
)
_DESTRUCTIVE_STATEMENTS_RE = re.compile(r"\b(?:DELETE|DROP|TRUNCATE)\b")
_REFERRALS: Final[frozenset[str]] = words("use call see try")
_WRITE_PROSE_RE = CaselessPattern(
    r"\bread[\s/-]+(?:and[\s/-]+)?write\b(?!\s*/)|\bwrite\s+(?:operations?|queries|statements|"
    r"access)\b|\bmodif(?:y|ies|ying)\s+(?:the\s+)?data\b",
    ("read", "write", "modif"),
)
_ARBITRARY_RE = CaselessPattern(
    r"\b(?:any|arbitrary)\s+(?:sql|queries|query|commands?|statements?|operations?|code|"
    r"scripts?)\b(?!\s+generation)",
    ("any", "arbitrary"),
)
_READ_ONLY_RE = CaselessPattern(
    r"\bread[\s-]?only\b|\bonly\s+(?:runs?\s+|executes?\s+|allows?\s+|supports?\s+)?"
    r"(?:select|read)|\bselect\s+(?:queries|statements)\s+only\b|\bdoes\s+not\s+"
    r"(?:modify|change|write)|\bnon[\s-]?destructive\b",
    ("read", "only", "select", "does", "non"),
)

# What a "read-only" qualifies when it names a setting, not the tool ("readonly mode", "read-only servers"), and the
# words that may stand between ("readonly or restricted members").
_SETTING_HOLDERS: Final[frozenset[str]] = words(
    "mode modes server servers member members host hosts setting settings flag"
)
_SETTING_JOINERS: Final[frozenset[str]] = words("or and restricted security configured")
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
# "auto-claims", "auto-archives": an act done along the way, in the third person ("automatically …" tells as often
# how a read works: "automatically follows pagination", "automatically refreshes the cache").
_AUTOMATIC_RE = CaselessPattern(r"\bauto-[a-z]+s\b", ("auto",))
_SENTENCE_REACH = 300  # how far from a word its sentence is looked for, each way
# A sentence about another tool opens with a purpose or a prohibition, and names the tool (a code span or a name
# with "_" or "-").
_REFERRING_OPENINGS: Final[tuple[str, ...]] = ("to ", "for ", "do not ", "don't ", "never use", "when not ")
_TOOL_NAME_RE = re.compile(r"`[\w.-]+`|\b[a-z0-9]+(?:[_-][a-z0-9]+)+\b")
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

# The tool's job leaves files behind: "Generates analysis files", "Returns … the output location" (not a
# read whose result is saved to a file when it is too long to return).
_WRITES_FILES_RE = CaselessPattern(
    r"\b(?:generat|writ|creat|produc|emit)(?:e|es|ed|ing|s|ten)?\s+(?:(?!to\b|from\b|for\b|with\b)"
    r"[\w.-]+\s+){0,3}?files\b"
    r"|\boutput\s+(?:location|directory|folder)\b",
    ("generat", "writ", "creat", "produc", "emit", "output"),
)
_OUTPUT_PLACES: Final[frozenset[bytes]] = frozenset((b"location", b"directory", b"folder"))

# Migrations run as the tool's effect: "run any newer migrations", "Merges migrations … to production",
# "the migration is ready to be applied".
_MIGRATIONS_RE = CaselessPattern(
    r"\b(?:run|runs|running|apply|applies|applying|merg(?:e|es|ed|ing)|execut(?:e|es|ing))\s+(?:[\w-]+\s+){0,3}?"
    r"migrations?\b|\bmigrations?\s+(?:[\w-]+\s+){0,5}?(?:applied|executed)\b",
    ("run", "apply", "applies", "applying", "merg", "execut", "migration"),
)
# A query named by the only statement it runs, written as a keyword ("Execute a SELECT query").
_SELECT_QUERY_RE = re.compile(r"\bSELECT\s+(?:query|queries|statements?)\b")


# The tool pays, or charges someone, as it works: "it will be paid automatically from the wallet", "Requires x402
# USDC payment", "charges the customer's card", "deducts credits".
_PAYS_RE = CaselessPattern(
    r"\b(?:is|are|will\s+be|gets?|be)\s+(?:automatically\s+)?paid\b|\bpaid\s+(?:automatically\s+)?from\b"
    r"|(?:^|[.!?]\s+)(?:this\s+(?:tool\s+)?|it\s+)?requires?\s+(?:an?\s+)?(?:[\w$]+\s+){0,3}payments?\b"
    r"|\bcharges?\s+(?:your|the|a|an)\s+(?:[\w'\u2019]+\s+){0,2}(?:card|wallet|account|customer|balance)\b"
    r"|\bdeduct(?:s|ed|ing)?\s+(?:\w+\s+){0,3}from\b|\b(?:is|a)\s+(?:paid\s+|financial\s+)(?:operation|transaction)\b"
    r"|\bbills\s+(?:for|you|your|the\s+customer)\b|\bresults?\s+in\s+(?:an?\s+)?(?:\w+\s+)?(?:charge|payment)\b"
    r"|\bfinancial\s+writes?\b",
    # every match opens with one of these (an alternative added above needs its opening here; tests/catalog/
    # test_patterns checks the matches against a plain search): a requirement opens the text with "this", "it" or
    # "requir" ("^" matches only there), or follows a sentence's end
    (
        "is",
        "are",
        "will",
        "get",
        "be",
        "paid",
        "this",
        "it",
        "requir",
        ".",
        "!",
        "?",
        "charge",
        "deduct",
        "a",
        "bills",
        "result",
        "financial",
    ),
    word_starts=True,  # every alternative opens with \b (or ^)
)
_PAYS_WORDS: Final[frozenset[bytes]] = frozenset(
    b"paid payment payments charge charges deduct deducts deducted deducting financial bills".split()
)


# Where a clause ends: a negation before one of these belongs to the clause it ends ("(secure, not shell-based).
# Replaces an existing file" is not negated).
_CLAUSE_ENDS: Final[tuple[str, ...]] = (". ", "! ", "? ", "; ", ") ", "\n")


def _clause_words_before(text: str, start: int, reach: int, count: int) -> list[str]:
    """The last ``count`` words of the ``reach`` characters before ``start``, none of them before the end of an
    earlier clause."""
    window = text[max(0, start - reach) : start]
    cut = max(window.rfind(end) for end in _CLAUSE_ENDS)
    if cut >= 0:
        window = window[cut + 1 :]
    return window.lower().replace("\u2019", "'").split()[-count:]


def _negated(text: str, start: int) -> bool:
    """Whether a negation stands in the four words before ``start``, in its clause ("does not overwrite", "no
    undo")."""
    return any(w in _NEGATIONS or w.endswith("n't") for w in _clause_words_before(text, start, 40, 4))


def _first_affirmed(pattern: CaselessPattern, description: str) -> str | None:
    """The first match of ``pattern`` in ``description`` that no negation before it takes back, and that no
    sentence about another tool holds, as written."""
    for start, written in pattern.finditer(description):
        if not _negated(description, start) and not _about_another_tool(description, start):
            return written
    return None


def _sentence_around(text: str, start: int, end: int, before: str, after: str) -> tuple[int, int]:
    """Where the sentence holding ``text[start:end]`` begins and ends: past the last of the ``before`` marks before
    it and at the first of the ``after`` marks after it, each looked for at most ``_SENTENCE_REACH`` characters
    away (a text with no full stop is not searched whole for every word in it)."""
    low = max(0, start - _SENTENCE_REACH)
    begins = max([text.rfind(mark, low, start) for mark in before] + [low - 1]) + 1
    found = [i for mark in after if (i := text.find(mark, end, end + _SENTENCE_REACH)) >= 0]
    return begins, min(found, default=end + _SENTENCE_REACH)


def _about_another_tool(text: str, at: int) -> bool:
    """Whether the sentence holding ``at`` sends the reader to another tool ("To permanently store facts, use
    `memory_retain` instead.", "Do not use for read-only monitoring (use `get_health`)."): it opens with a purpose
    or a prohibition and names a tool. What it says is that tool's, not this one's."""
    start, stop = _sentence_around(text, at, at, ".\n;", ".\n")
    sentence = text[start:stop].lstrip(" -*\t").lower()
    return sentence.startswith(_REFERRING_OPENINGS) and _TOOL_NAME_RE.search(text, start, stop) is not None


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
            if _about_another_tool(description, start):
                continue
            if written.lower().startswith(("cannot", "can", "won", "no ", "not")):  # the phrase is the negation
                return written
            if not _negated(description, start):
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
        if _negated(description, m.start()):
            continue
        if _AS_LABEL_RE.match(after) or _AS_PREDICATE_RE.search(before):
            return m.group(0)
        if _ARTICLE_RE.search(before) and _AS_OPERATION_RE.match(after):
            return m.group(0)
    return None


def can_write(description: str) -> str | None:
    """The words that say the tool's queries or commands may write ("INSERT, UPDATE", "read and write",
    "any SQL")."""
    m = _WRITE_STATEMENTS_RE.search(description) if has_capital_pair(description) else None  # every match has two
    if m is not None:
        return m.group(0)
    return _WRITE_PROSE_RE.search(description) or _ARBITRARY_RE.search(description)


def says_read_write(description: str) -> str | None:
    """The words that say the tool both reads and writes ("read and write operations", "modifies data"), unless
    negated ("Never perform write operations") or sent to another tool ("use records.batch for write
    operations")."""
    text = letters(description).text
    if text.find(b"write") < 0 and text.find(b"modif") < 0:
        return None
    for start, written in _WRITE_PROSE_RE.finditer(description):
        if not _negated(description, start) and not _referred(description, start):
            return written
    return None


def _referred(text: str, start: int) -> bool:
    """The words before ``start`` send the reader to another tool for it ("use X for", "call X to")."""
    return any(w in _REFERRALS for w in _clause_words_before(text, start, 40, 3))


def destructive_statements(description: str) -> str | None:
    """``DELETE``/``DROP``/``TRUNCATE`` named as statements the tool runs."""
    m = _DESTRUCTIVE_STATEMENTS_RE.search(description)
    return m.group(0) if m is not None else None


def promises_read_only(description: str) -> str | None:
    """The words that promise the tool only reads ("read-only", "only SELECT", "a SELECT query"); not a negated
    one ("not read-only") nor a read-only mode of the server or of what it reaches ("Under readonly mode …",
    "readonly or restricted servers may refuse"): those say what a setting allows, not what the tool does."""
    for start, found in _READ_ONLY_RE.finditer(description):
        if _just_negated(description, start) or _names_a_setting(description, start + len(found)):
            continue
        if not _about_another_tool(description, start):
            return found
    m = _SELECT_QUERY_RE.search(description) if "SELECT" in description else None
    return m.group(0) if m is not None else None


def _just_negated(text: str, start: int) -> bool:
    """Whether the word right before ``start`` (past a copula) negates what follows: "not read-only", "is
    never read-only" (a negation further back belongs to another clause: "does not write; read-only")."""
    return any(w in _NEGATIONS or w.endswith("n't") for w in _clause_words_before(text, start, 24, 2))


def _names_a_setting(description: str, end: int) -> bool:
    """Whether the words after a "read-only" name a mode or what is set to it (``mode``, ``servers``), before any
    other noun: "read-only mode", "readonly or restricted members"."""
    after = description[end : end + 40].lower().split()[:3]
    for word in after:
        word = word.strip(".,;:()")
        if word in _SETTING_HOLDERS:
            return True
        if word not in _SETTING_JOINERS:
            return False
    return False


def overwrites(description: str) -> str | None:
    """The words that say the tool writes over what is at the place it is given ("overwriting any existing local
    file", "overwrites the target"), unless negated; not an option's or another tool's infinitive ("set
    overwrite to true", "use write_file to overwrite")."""
    if letters(description).text.find(b"overwrit") < 0:
        return None
    return _first_affirmed(_OVERWRITES_RE, description)


def finds_and_replaces(description: str) -> str | None:
    """The words that say the tool finds and replaces text ("Use for find-and-replace operations"), unless
    negated."""
    if b"replace" not in letters(description).words:
        return None  # every match holds "replace"
    return _first_affirmed(_FIND_REPLACE_RE, description)


def also_deletes(description: str) -> str | None:
    """The words that say the tool, or what it sets up, also deletes something ("the generated script also
    deletes backups older than …"), unless negated."""
    if b"also" not in letters(description).words:
        return None
    return _first_affirmed(_ALSO_DELETES_RE, description)


def deletes_things(description: str) -> str | None:
    """The words that say something is deleted, removed or revoked ("removing them from the queue", "roles not
    listed are revoked"), unless negated; for an argument's description, where its effect is told."""
    return _first_affirmed(_DELETES_THINGS_RE, description)


def automatic_act(description: str) -> str | None:
    """The words that say the tool acts on its own along the way ("auto-claims the coins when settled",
    "auto-archives the thread"), with a verb the lexicon counts as changing something, unless negated; not what was
    done before ("auto-generated IDs") or how it reads ("auto-detects the format")."""
    if b"auto" not in letters(description).text:
        return None
    for start, written in _AUTOMATIC_RE.finditer(description):
        verb = base_verb(written.lower()[5:], VERBS)
        if verb is not None and VERBS[verb] != "read" and not _negated(description, start):
            return written
    return None


def upserts(description: str) -> str | None:
    """The word that says the tool upserts ("upsert behavior", "Upserts a record"), unless the sentence sends the
    reader to another tool for it ("For bulk updates, use insert_rows (upsert) instead")."""
    if b"upsert" not in letters(description).words:
        return None
    for m in islice(_UPSERT_RE.finditer(description), 20):  # a few: a hostile text may say it a million times
        start, stop = _sentence_around(description, m.start(), m.end(), ".\n", ".")
        if _POINTS_ELSEWHERE_RE.search(description[start:stop]) is None:
            return m.group(0)
    return None


def forced_stop(description: str) -> str | None:
    """The words that say a stop is forced ("force stop", "hard stop", "otherwise force stop"), unless negated
    ("without a force stop")."""
    found = letters(description).words
    if b"forcibly" not in found and found.isdisjoint((b"force", b"forced", b"forces", b"hard", b"kill", b"kills")):
        return None  # every match holds one of these words
    return _first_affirmed(_FORCED_STOP_RE, description)


def ending_signal(description: str) -> str | None:
    """The signal named that ends a process ("Send a signal (INT, TERM, KILL) to a process", "SIGTERM, then
    SIGKILL"), in a description that speaks of signals."""
    if letters(description).words.isdisjoint(_SIGNAL_WORDS):
        return None
    m = _ENDING_SIGNALS_RE.search(description)
    return m.group(0) if m is not None else None


def writes_files(description: str) -> str | None:
    """The words that say the tool writes files as its job ("Generates analysis files"), unless negated."""
    found = letters(description).words
    if b"files" not in found and (b"output" not in found or found.isdisjoint(_OUTPUT_PLACES)):
        return None  # every match holds "files", or "output" and a place
    return _first_affirmed(_WRITES_FILES_RE, description)


def runs_migrations(description: str) -> str | None:
    """The words that say the tool runs or applies database migrations, unless negated."""
    found = letters(description).words
    if b"migration" not in found and b"migrations" not in found:
        return None  # every match holds one of the two words
    return _first_affirmed(_MIGRATIONS_RE, description)


def sets_cell_values(description: str) -> str | None:
    """The words that say the tool puts values into a sheet's cells ("Set cell values"), unless negated."""
    found = letters(description).words
    if b"cell" not in found and b"cells" not in found:
        return None  # every match holds "cell" or "cells"
    return _first_affirmed(_CELL_VALUES_RE, description)


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


def pays(description: str) -> str | None:
    """The words that say the tool pays, or charges someone, as it works ("it will be paid automatically from the
    wallet", "Requires USDC payment"), unless negated."""
    if letters(description).words.isdisjoint(_PAYS_WORDS):
        return None  # every match holds one of these words
    return _first_affirmed(_PAYS_RE, description)
