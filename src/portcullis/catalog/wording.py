"""What a tool's description says it does, anywhere in it, and the clause reading the other catalogue modules share:
statements that can write (``INSERT``, ``UPDATE``, ``DELETE``, "read and write operations", "any SQL"); a promise to
only read ("read-only"); an act done along the way ("auto-claims"); files left behind, migrations run, money paid.
A phrase counts unless negated in its own clause ("does not write") or said of another tool ("use X for writes").
Each pattern is tried only when the description's runs of letters (``tokens.letters``) hold a word every match
needs, where that is cheaper. What it says the tool destroys is read by ``losses``.
"""

from __future__ import annotations

import re
from typing import Final

from portcullis.catalog.lexicon import VERBS, words
from portcullis.catalog.tokens import CaselessPattern, base_verb, has_capital_pair, letters

__all__ = [
    "about_another_tool",
    "automatic_act",
    "can_write",
    "conditional_act",
    "destructive_statements",
    "first_affirmed",
    "negated",
    "pays",
    "promises_read_only",
    "publishes",
    "runs_migrations",
    "says_read_write",
    "sentence_around",
    "writes_files",
]

_NEGATIONS: Final[frozenset[str]] = words(
    "not never no without n't doesn't don't won't will'nt isn't avoid avoids instead"
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

# "any SQL", "arbitrary commands", "any valid SurrealQL queries" (up to two words between, not "any of the …")
_ARBITRARY_RE = CaselessPattern(
    r"\b(?:any|arbitrary)\s+(?:(?!of\b)[\w-]+\s+){0,2}?(?:sql|queries|query|commands?|statements?|operations?|code|"
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

# "auto-claims", "auto-archives": an act done along the way, in the third person ("automatically …" tells as often
# how a read works: "automatically follows pagination", "automatically refreshes the cache").
_AUTOMATIC_RE = CaselessPattern(r"\bauto-[a-z]+s\b", ("auto",))

_SENTENCE_REACH = 300  # how far from a word its sentence is looked for, each way

# A sentence about another tool opens with a purpose or a prohibition, and names the tool (a code span or a name
# with "_" or "-").
_REFERRING_OPENINGS: Final[tuple[str, ...]] = ("to ", "for ", "do not ", "don't ", "never use", "when not ")

_TOOL_NAME_RE = re.compile(r"`[\w.-]+`|\b[a-z0-9]+(?:[_-][a-z0-9]+)+\b")

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
# What the tool reads goes out, said in the passive: "is encrypted and uploaded", "are published", "is shared
# publicly", "gets posted".
_PUBLISHED_RE = CaselessPattern(
    r"\b(?:is|are|will\s+be)\s+(?:[\w-]+\s+and\s+)?(?:uploaded|published|posted|shared\s+publicly|made\s+public)\b",
    ("is", "are", "will"),
    word_starts=True,
)
_CONDITIONS: Final[frozenset[str]] = words("before until once when whenever after if unless")
_PUBLISHED_WORDS: Final[frozenset[bytes]] = frozenset(b"uploaded published posted publicly public".split())
# What the tool does when a condition holds, the condition left short: "if not, download and install them", "if
# missing, create it" (the verbs, up to three, joined by "and"; not "If not provided, …").
_CONDITIONAL_ACT_RE = re.compile(
    r"\bif\s+(?:not|needed|necessary|missing|absent)\s*,\s*(?:it\s+(?:will\s+)?)?"
    r"((?:[a-z]+\s*,?\s*(?:and|or|then)\s+){0,2}[a-z]+)\b",
    re.IGNORECASE,
)
_CONDITIONAL_WORDS: Final[frozenset[bytes]] = frozenset(b"not needed necessary missing absent".split())
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

# The description says no money moves: "NO funds move", "no funds are moved", "does not move any funds".
_MOVES_NO_MONEY_RE = re.compile(
    r"\bno\s+(?:funds|money|coins|tokens)\s+(?:moves?|(?:is|are|will\s+be)\s+(?:moved|transferred|spent))\b"
    r"|\b(?:does|do|will)\s+not\s+(?:move|transfer|spend)\s+(?:any\s+)?(?:funds|money)\b"
    r"|\bmoves\s+no\s+(?:funds|money)\b",
    re.IGNORECASE,
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


def negated(text: str, start: int) -> bool:
    """Whether a negation stands in the four words before ``start``, in its clause ("does not overwrite", "no
    undo")."""
    return _negates(_clause_words_before(text, start, 40, 4))


def _negates(before: list[str]) -> bool:
    return any(w in _NEGATIONS or w.endswith("n't") for w in before)


def first_affirmed(pattern: CaselessPattern, description: str, *, unless: frozenset[str] = frozenset()) -> str | None:
    """The first match of ``pattern`` in ``description`` that no negation before it takes back, nor one of the words
    ``unless`` among the three before it (a condition: "before they are published"), and that no sentence about
    another tool holds, as written."""
    for start, written in pattern.finditer(description):
        before = _clause_words_before(description, start, 40, 4)
        if _negates(before) or not unless.isdisjoint(before[-3:]):
            continue
        if not about_another_tool(description, start):
            return written
    return None


def sentence_around(text: str, start: int, end: int, before: str, after: str) -> tuple[int, int]:
    """Where the sentence holding ``text[start:end]`` begins and ends: past the last of the ``before`` marks before
    it and at the first of the ``after`` marks after it, each looked for at most ``_SENTENCE_REACH`` characters
    away (a text with no full stop is not searched whole for every word in it)."""
    low = max(0, start - _SENTENCE_REACH)
    begins = max([text.rfind(mark, low, start) for mark in before] + [low - 1]) + 1
    found = [i for mark in after if (i := text.find(mark, end, end + _SENTENCE_REACH)) >= 0]
    return begins, min(found, default=end + _SENTENCE_REACH)


def about_another_tool(text: str, at: int) -> bool:
    """Whether the sentence holding ``at`` sends the reader to another tool ("To permanently store facts, use
    `memory_retain` instead.", "Do not use for read-only monitoring (use `get_health`)."): it opens with a purpose
    or a prohibition and names a tool. What it says is that tool's, not this one's."""
    start, stop = sentence_around(text, at, at, ".\n;", ".\n")
    sentence = text[start:stop].lstrip(" -*\t").lower()
    return sentence.startswith(_REFERRING_OPENINGS) and _TOOL_NAME_RE.search(text, start, stop) is not None


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
        if not negated(description, start) and not _referred(description, start):
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
        if not about_another_tool(description, start):
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


def publishes(description: str) -> str | None:
    """The words that say what the tool reads is put somewhere others can reach ("The diagram is encrypted and
    uploaded", "the report is published", "is shared publicly"), unless negated."""
    if letters(description).words.isdisjoint(_PUBLISHED_WORDS):
        return None  # every match holds one of these words
    # not a condition on what is read ("where edits live before they are published")
    return first_affirmed(_PUBLISHED_RE, description, unless=_CONDITIONS)


def conditional_act(description: str) -> tuple[str, str] | None:
    """The verb of what the tool does when a condition holds ("… installed and, if not, download and install them",
    "if missing, create it") as (base verb, written); the last of a chain of such verbs,
    which is the act ("download and install": install). A verb the lexicon counts as a read is no act."""
    found = letters(description).words
    if b"if" not in found or found.isdisjoint(_CONDITIONAL_WORDS):
        return None  # every match holds "if" and one of these words
    m = _CONDITIONAL_ACT_RE.search(description)
    if m is None:
        return None
    for written in reversed(m.group(1).replace(",", " ").split()):
        verb = base_verb(written.lower(), VERBS)
        if verb is not None and VERBS[verb] != "read":
            return verb, written
    return None


def automatic_act(description: str) -> str | None:
    """The words that say the tool acts on its own along the way ("auto-claims the coins when settled",
    "auto-archives the thread"), with a verb the lexicon counts as changing something, unless negated; not what was
    done before ("auto-generated IDs") or how it reads ("auto-detects the format")."""
    if b"auto" not in letters(description).text:
        return None
    for start, written in _AUTOMATIC_RE.finditer(description):
        verb = base_verb(written.lower()[5:], VERBS)
        if verb is not None and VERBS[verb] != "read" and not negated(description, start):
            return written
    return None


def writes_files(description: str) -> str | None:
    """The words that say the tool writes files as its job ("Generates analysis files"), unless negated."""
    found = letters(description).words
    if b"files" not in found and (b"output" not in found or found.isdisjoint(_OUTPUT_PLACES)):
        return None  # every match holds "files", or "output" and a place
    return first_affirmed(_WRITES_FILES_RE, description)


def runs_migrations(description: str) -> str | None:
    """The words that say the tool runs or applies database migrations, unless negated."""
    found = letters(description).words
    if b"migration" not in found and b"migrations" not in found:
        return None  # every match holds one of the two words
    return first_affirmed(_MIGRATIONS_RE, description)


def pays(description: str) -> str | None:
    """The words that say the tool pays, or charges someone, as it works ("it will be paid automatically from the
    wallet", "Requires USDC payment"), unless negated."""
    if letters(description).words.isdisjoint(_PAYS_WORDS):
        return None  # every match holds one of these words
    if _MOVES_NO_MONEY_RE.search(description) is not None:
        return None  # "Quote a cross-chain swap — NO funds move" (what it says of a payment is about a later call)
    return first_affirmed(_PAYS_RE, description)
