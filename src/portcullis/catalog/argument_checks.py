"""What the schema and the descriptions decide about one argument, beyond its name (``catalog.argument_names``):
whether it carries a secret, code, a document, a flag that deletes or overwrites, a conflict policy or a status
that removes, and the JSON types and enum values it allows. Pure functions of one argument, used by the schema
walk (``catalog.arguments``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from portcullis.catalog.argument_names import (
    ALWAYS_CODE,
    ARGV_WORDS,
    DELETING_NAME,
    INPUT_WORDS,
    MAYBE_SECRET,
    PROGRAM_PATHS,
    SECRET,
    STATE_WORDS,
    ArgumentName,
    names_a_query_language,
)
from portcullis.catalog.lexicon import (
    CODE_ARGS,
    READ_ONLY_QUERY_LANGUAGES,
    words,
)
from portcullis.catalog.losses import deletes_things
from portcullis.catalog.operation_args import is_subcommand
from portcullis.catalog.tokens import CaselessPattern

__all__ = [
    "CODE_PROSE_RE",
    "STRING",
    "Argument",
    "enum_strings",
    "is_boolean",
    "is_code",
    "is_destructive_option",
    "is_document",
    "is_secret",
    "replaces_on_conflict",
]

_SECRET_PROSE_RE = CaselessPattern(
    r"\b(?:private\s+key|secret\s+key|seed\s+phrase|mnemonic|password|passphrase|"
    r"api\s+key|access\s+token|auth(?:entication)?\s+token|session\s+token|credential)",
    (
        "private",
        "secret",
        "seed",
        "mnemonic",
        "password",
        "passphrase",
        "api",
        "access",
        "auth",
        "session",
        "credential",
    ),
)

CODE_PROSE_RE = CaselessPattern(
    r"\b(?:sql|select\s+\S+\s+from|cypher|sparql|graphql|shell|bash|javascript|python|lua|ruby"
    r"|eval(?:uate[sd]?)?|execut(?:e|es|ed|ion)|run(?:s)?\s+(?:the\s+)?(?:code|script)|script)\b",
    (
        "sql",
        "select",
        "cypher",
        "sparql",
        "graphql",
        "shell",
        "bash",
        "javascript",
        "python",
        "lua",
        "ruby",
        "eval",
        "execut",
        "run",
        "script",
    ),
)

# "SQL-like syntax": an API's own query language, which only selects
_READ_ONLY_LANGUAGE_RE = CaselessPattern(
    r"\b(?:" + "|".join(sorted(READ_ONLY_QUERY_LANGUAGES)) + r"|sql[\s-]like)\b",
    (*sorted(READ_ONLY_QUERY_LANGUAGES), "sql"),
)

# A query argument that takes words to look for, not a statement: "The search query in natural language".
_SEARCH_TEXT_RE = CaselessPattern(
    r"\bnatural[\s-]+language\b|\bsearch\s+(?:terms?|text|keywords?|phrase|string)\b|\bkeywords?\b"
    r"|\bfree[\s-]?text\b|\bplain\s+text\b",
    ("natural", "search", "keyword", "free", "plain"),
)

# A query argument said to be what is searched for ("Search query (can be partial, with typos)", "The question or
# topic to search for"): words to look for, unless the argument itself names a language or says it is executed.
_SEARCHED_FOR_RE = CaselessPattern(
    r"\bsearch(?:es|ed)?\s+(?:query|queries|string|for)\b|\b(?:to|you\s+want\s+to)\s+(?:search|look)\s+(?:for|up)\b"
    r"|\b(?:the|a|your)\s+question\b",
    ("search", "to", "you", "the", "a", "your"),
)

_DOCUMENT_WORDS = words("xml yaml yml toml json ini content contents text document file")

_ENV_NAMES = words("env dotenv")

_REPLACING_VALUES = words("overwrite replace truncate drop delete clobber")

_REMOVED_STATES = words("removed deleted destroyed terminated purged")

# Text typed into a terminal, shell or REPL runs there.
_INTERACTIVE_RE = CaselessPattern(
    r"\b(?:terminal|shell|repl|console|interpreter|tty|pty)\b",
    ("terminal", "shell", "repl", "console", "interpreter", "tty", "pty"),
)

_CODE_QUALIFIERS = words("source python js javascript lua shell bash ruby program python3 node ts typescript")

# an argument named "…source" whose description says it is code, and not where code lives
_SAYS_CODE_RE = re.compile(r"\b(?:code|script|program|statements?)\b", re.IGNORECASE)

_LOCATION_RE = re.compile(r"\b(?:url|uri|path|repo(?:sitory)?|location|director(?:y|ies)|folder|file|branch)\b", re.I)

STRING = frozenset({"string"})

_ARRAY = frozenset({"array"})

# A tool that runs a command of a program ("Executes a gcloud command", "Run a kubectl command").
_RUNS_A_COMMAND_RE = CaselessPattern(
    r"\b(?:execut|run)(?:e|es|s|ning)?\s+(?:an?\s+|the\s+|one\s+|any\s+)?(?:[\w.-]+\s+){0,2}?(?:cli\s+)?commands?\b",
    ("execut", "run"),
)

_LOWER_WORD_RE = re.compile(r"[a-z]+")

# The stems of deleting acts, whole words where a stem also starts another word ("dropdown", "droplet", "Dropbox",
# "trashcan"): one list for every pattern below that asks whether a flag deletes.
_DELETING_STEMS = (
    r"delet|remov|purg|overwrit|destroy|eras(?:e|es|ed|ing|ure)\b|wip(?:e|es|ing)\b|truncat"
    r"|trash(?:es|ed|ing)?\b|drop(?:s|ped|ping)?\b"
)

_DESTRUCTIVE_FLAG_RE = CaselessPattern(
    r"\b(?:true|enable[sd]?|set)\b[^.]{0,40}?\b(?:" + _DELETING_STEMS + ")",
    ("true", "enable", "set"),
)

# An option that is on unless turned off: "(default behavior)", "on by default", "defaults to true".
_DEFAULT_ON_RE = CaselessPattern(
    r"\((?:the\s+)?default(?:\s+behaviou?r)?\)|\b(?:on|enabled|true)\s+by\s+default\b|\bdefaults?\s*(?::|=|is|to)\s*true\b",
    ("(", "on", "enabled", "true", "default"),
)

_DESTRUCTIVE_ACT_RE = CaselessPattern(
    r"\b(?:" + _DELETING_STEMS + ")",
    ("delet", "remov", "purg", "overwrit", "destroy", "eras", "wip", "truncat", "trash", "drop"),
)


# An act said to be beyond undoing (narrower than the description's wording: "permanent redirect", "replaces
# existing end time" and "destroy flag" are said of flags that undo nothing or say what they switch).
_CANNOT_BE_UNDONE_RE = CaselessPattern(
    r"\birreversib\w*|\b(?:cannot|can\s*not|can'?t)\s+be\s+(?:undone|reversed|recovered|restored)\b",
    ("irreversib", "cannot", "can"),
)


def says_cannot_be_undone(description: str) -> str | None:
    """The words of an argument's description that say its act cannot be undone, or None."""
    return _CANNOT_BE_UNDONE_RE.search(description) if description else None


# What follows a flag's name where a description says that setting it deletes: "=True, deletes all existing items".
_SET_THEN_DELETES_RE = re.compile(
    r"\s*(?:=|==|:|is|set\s+to)\s*true\b[^.]{0,60}?\b(?:clear|" + _DELETING_STEMS + ")",
    re.IGNORECASE,
)


def said_to_delete_when_set(key: str, tool_description: str) -> bool:
    """The tool's description says that setting the flag ``key`` deletes ("If clear_existing=True, deletes all
    existing items first"), when the flag's own description does not. Read where the key is written, at most five
    places (a hostile description may repeat it a million times)."""
    at = tool_description.find(key)
    looked = 0
    while at >= 0 and looked < 5:
        end = at + len(key)
        if (at == 0 or not _is_word_char(tool_description[at - 1])) and _SET_THEN_DELETES_RE.match(
            tool_description, end, end + 100
        ):
            return True
        at = tool_description.find(key, end)
        looked += 1
    return False


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Argument:
    """One argument of the input schema, at any depth."""

    __slots__ = ("name", "path", "schema")

    def __init__(self, path: str, name: ArgumentName | None, schema: dict[str, Any]) -> None:
        self.path = path  # ``to`` or ``options.privateKey``
        self.name = name  # what its name says (None: a name without words)
        self.schema = schema

    @property
    def words(self) -> tuple[str, ...]:
        return self.name.words if self.name is not None else ()

    @property
    def types(self) -> frozenset[str]:
        """The JSON types the schema allows (computed when asked: most arguments never need them)."""
        t = self.schema.get("type")
        return (
            frozenset((t,))
            if isinstance(t, str)
            else frozenset(x for x in t if isinstance(x, str))
            if isinstance(t, list)
            else frozenset()
        )

    @property
    def description(self) -> str:
        value = self.schema.get("description")
        return value if isinstance(value, str) else ""


def is_secret(arg: Argument, roles: int) -> bool:
    if roles & SECRET:
        return True
    if roles & MAYBE_SECRET and (not arg.types or "string" in arg.types):
        return bool(_SECRET_PROSE_RE.search(arg.description))
    return False


def is_boolean(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    return t == "boolean" or (isinstance(t, list) and "boolean" in t)


def is_code(
    words: tuple[str, ...], joined: str, arg: Argument, tool_description: str, tool_mentions_code: Callable[[], bool]
) -> bool:
    last = words[-1]
    if last == "queries":  # a list of query texts is read as one is (not a list of query objects)
        if not _is_text_or_list(arg):
            return False
        last = "query"
    elif (
        names_a_query_language(last) and last not in CODE_ARGS
    ):  # "vql": a query in that language, unless it only reads
        return last not in READ_ONLY_QUERY_LANGUAGES and _is_text_or_list(arg) and tool_mentions_code()
    if last in ("command", "commands", "cmd") and is_subcommand(arg, tool_description):
        return False
    if last in INPUT_WORDS and _INTERACTIVE_RE.search(tool_description[:400]):
        return True  # "Send input to an existing terminal or REPL process"
    if last in ALWAYS_CODE or (last == "code" and len(words) > 1 and words[-2] in _CODE_QUALIFIERS):
        return True
    if last in PROGRAM_PATHS:  # "miner_bin": "Path to exfer-agent-miner" (not "binary" content, base64)
        return last != "binary" or "path" in arg.description.lower()
    if last in ARGV_WORDS:
        # "Executes a gcloud command" with free "args": any command of that program, deleting ones among them
        return _is_text_or_list(arg) and _RUNS_A_COMMAND_RE.search(tool_description[:400]) is not None
    if last == "source" and joined not in CODE_ARGS:
        # "cell_source": "Code source for the cell", in a tool that executes it; not a data source, a location
        # ("Source code repository URL") or a source of anything else
        return (
            _SAYS_CODE_RE.search(arg.description) is not None
            and _LOCATION_RE.search(arg.description) is None
            and tool_mentions_code()
        )
    if joined in CODE_ARGS or last in ("query", "code"):
        if not (tool_mentions_code() or CODE_PROSE_RE.search(arg.description)):
            return False
        if last == "query" and _SEARCH_TEXT_RE.search(arg.description):
            return False  # words to search for, in plain language
        if last == "query" and _SEARCHED_FOR_RE.search(arg.description) and not CODE_PROSE_RE.search(arg.description):
            return False  # what is searched for, in the tool's own syntax ("Search query using SourceGraph syntax")
        # a query in a language that only reads (PromQL, JQL...) is not code that can change anything
        return not _READ_ONLY_LANGUAGE_RE.search(arg.description or tool_description)
    return False


def _is_text_or_list(arg: Argument) -> bool:
    """A string, or an array of strings (not an object of named arguments)."""
    types = arg.types
    if types == STRING:
        return True
    items = arg.schema.get("items")
    return types == _ARRAY and isinstance(items, dict) and items.get("type") == "string"


def is_document(words: tuple[str, ...], description: str) -> bool:
    """A text argument that holds a whole document: its name or its description names a document's format, or
    it is an environment given as its variables ("env": "Environment variables to save", not "env": "Target
    environment name")."""
    if not _DOCUMENT_WORDS.isdisjoint(words):
        return True
    said = _LOWER_WORD_RE.findall(description.lower())
    if words[-1] in _ENV_NAMES and "variables" in said:
        return True
    return not _DOCUMENT_WORDS.isdisjoint(said)


def enum_strings(schema: dict[str, Any]) -> tuple[str, ...]:
    values = schema.get("enum")
    if not isinstance(values, list):
        const = schema.get("const")
        values = [const] if isinstance(const, str) else []
    out = [v for v in values if isinstance(v, str)]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            for b in branches:
                if isinstance(b, dict):
                    out.extend(enum_strings(b))
    return tuple(out)


def replaces_on_conflict(arg: Argument, name: ArgumentName) -> bool:
    """A conflict policy one of whose values replaces what is there, or a status one of whose values removes the
    thing ("ENABLED, PAUSED, or REMOVED"): an enum value, or a word of its description ('"rename" (default) or
    "overwrite"')."""
    if arg.types and "string" not in arg.types:
        return False
    status = name.words[-1] in STATE_WORDS
    if status and ("." in arg.path or "[" in arg.path):
        return False  # a status nested in a record given whole is that record's, not what the call sets
    destroying = _REMOVED_STATES if status else _REPLACING_VALUES
    values = enum_strings(arg.schema)
    if values:
        return any(value.lower() in destroying for value in values)
    return not destroying.isdisjoint(_LOWER_WORD_RE.findall(arg.description.lower()))


# A value of the argument, quoted, said to replace or delete what is there: "'truncate' replaces destination data",
# "'replace' deletes contacts that are not in the list".
_VALUE_DESTROYS_RE = re.compile(
    r"['\"`]\w[\w-]*['\"`]\s+(?:replaces|overwrites|deletes|removes|truncates|drops|wipes|clears|erases|destroys)\b",
    re.IGNORECASE,
)


def is_destructive_option(arg: Argument, roles: int) -> bool:
    if roles & DELETING_NAME:
        types = arg.types
        return not types or "boolean" in types
    if not is_boolean(arg.schema):
        # "'truncate' replaces destination data with the fresh read": one of its values destroys
        return (not arg.types or "string" in arg.types) and _VALUE_DESTROYS_RE.search(arg.description) is not None
    description = arg.description
    lower = description.lower()
    if ("true" in lower or "enable" in lower or "set" in lower) and _DESTRUCTIVE_FLAG_RE.search(description):
        return True
    if _DESTRUCTIVE_ACT_RE.search(description) is None:
        return False
    # what the flag does, told: "Acknowledge the messages, removing them from the queue", "claimed jobs are removed"
    if deletes_things(description) is not None:
        return True
    # on unless turned off ("Truncate and reload the tables (default behavior)"): the tool does it by default
    return arg.schema.get("default") is True or ("default" in lower and _DEFAULT_ON_RE.search(description) is not None)
