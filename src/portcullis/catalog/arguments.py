"""What a tool's input schema says about its risk: secrets, code, payloads, URLs, lists, operations.

Each finding names the argument it came from, so ``portcullis tools show`` can say *why*. The walk
goes into nested objects, arrays and ``anyOf``/``oneOf`` branches (bounded in depth and count).
Operations are read from an ``action``/``operation``/``method`` argument's enum, or, when it is free
text, from the verbs its description names (``catalog.operation_args``: "Operation to perform: cordon,
drain, uncordon"; an HTTP ``method`` that may be ``DELETE``). Options that delete (``deleteLocalData``,
``overwrite``, a flag "set to true to delete") are recorded too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portcullis.catalog.argument_names import (
    ALWAYS_CODE,
    AMOUNT,
    ARGV_WORDS,
    CALLABLE,
    CONFIG,
    DEFINITION,
    DELETING_NAME,
    FREE_OPERATION,
    INPUT_WORDS,
    MAYBE_CODE,
    MAYBE_PAYLOAD,
    MAYBE_SECRET,
    ON_CONFLICT,
    OPERATION,
    OUTPUT,
    PAYLOAD,
    PLACE,
    REPLACEMENT,
    SECRET,
    SIZE,
    STATE_WORDS,
    STORAGE,
    TARGETS,
    URL,
    ArgumentName,
    argument_name,
)
from portcullis.catalog.lexicon import (
    CODE_ARGS,
    READ_ONLY_QUERY_LANGUAGES,
    words,
)
from portcullis.catalog.operation_args import (
    described_operations,
    gives_examples,
    is_subcommand,
    listed_values,
    names_options,
)
from portcullis.catalog.tokens import CaselessPattern
from portcullis.catalog.wording import deletes_things

__all__ = ["Argument", "SchemaFacts", "read_schema"]

_MAX_ARGS = 500

_NESTING_KEYS = frozenset({"properties", "anyOf", "oneOf", "allOf"})  # where arguments nest

_DESCENT_KEYS = _NESTING_KEYS | {"items"}  # an argument's keys the walk goes into

_BRANCH_KEYS = frozenset({"anyOf", "oneOf", "allOf"})

_MAX_DEPTH = 6

# Schemas (objects, branches) the walk enters, in all: a "$ref" can point back to where it stands, and branches of
# refs to refs multiply (20 branches, 7 deep: 20**7 walks from a schema of a hundred bytes). The largest schema of
# the real catalogues needs under two hundred.
_MAX_WALKS = 2_000

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

_HTML_PROSE_RE = CaselessPattern(
    r"\b(?:html|raw|markup|template|payload)\b",
    ("html", "raw", "markup", "template", "payload"),
)

_CODE_PROSE_RE = CaselessPattern(
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

# "saved" naming a kind of thing ("saved dashboard queries", "saved searches") tells of no saving.
_SAVES_TO_RE = re.compile(
    r"\b(?:saves?|saving|written|downloaded\s+to|write\s+(?:it|the\s+\w+)\s+to)\b"
    r"|\bsaved\b(?!\s+(?!to\b|in\b|into\b|at\b|as\b|under\b|on\b|there\b|here\b|locally\b|by\b)[a-z])",
    re.I,
)

# A list of steps the tool performs ("operations": [{"type": "drop", …}]) and what names each step's kind.
_OPERATION_LISTS = words("operations actions changes steps alterations")

_ITEM_KINDS = words("type kind")

_DOCUMENT_WORDS = words("xml yaml yml toml json ini content contents text document file")

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

_NOT_CODE_TYPES = frozenset({"boolean", "number", "integer"})

_STRING = frozenset({"string"})

_ARRAY = frozenset({"array"})

# A tool that runs a command of a program ("Executes a gcloud command", "Run a kubectl command").
_RUNS_A_COMMAND_RE = CaselessPattern(
    r"\b(?:execut|run)(?:e|es|s|ning)?\s+(?:an?\s+|the\s+|one\s+|any\s+)?(?:[\w.-]+\s+){0,2}?(?:cli\s+)?commands?\b",
    ("execut", "run"),
)

_LOWER_WORD_RE = re.compile(r"[a-z]+")

# An argument that carries what a tool works on, rather than naming where it is stored.
_CONTENT_WORDS = words(
    "text content contents data input string json html markdown code value values body source query expression "
    "yaml xml csv prompt message messages items rows records url"
)

# An argument that says where a stored thing is.
_LOCATION_WORDS = words("id ids uuid path paths file files range ranges sheet document documents table")

# A flag named for an act ("markRead", "start_if_needed", "send_notification"): set, the call does it.
_ACTING_OPTION_VERBS = words(
    "mark start create archive send commit submit lock claim consume acknowledge ack publish notify post delete "
    "fix repair apply"
)

_LISTING_TYPES = frozenset({"array", "string", "object"})  # a list, a text or an object (not a flag or number)

_DESTRUCTIVE_FLAG_RE = CaselessPattern(
    r"\b(?:true|enable[sd]?|set)\b[^.]{0,40}?\b(?:delet|remov|purg|overwrit|destroy|"
    r"eras|wip(?:e|es|ing)\b|truncat|trash|drop)",
    ("true", "enable", "set"),
)

# An option that is on unless turned off: "(default behavior)", "on by default", "defaults to true".
_DEFAULT_ON_RE = CaselessPattern(
    r"\((?:the\s+)?default(?:\s+behaviou?r)?\)|\b(?:on|enabled|true)\s+by\s+default\b|\bdefaults?\s*(?::|=|is|to)\s*true\b",
    ("(", "on", "enabled", "true", "default"),
)

_DESTRUCTIVE_ACT_RE = CaselessPattern(
    r"\b(?:delet|remov|purg|overwrit|destroy|eras|wip(?:e|es|ing)\b|truncat|trash|drop)",
    ("delet", "remov", "purg", "overwrit", "destroy", "eras", "wip", "truncat", "trash", "drop"),
)


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


@dataclass(slots=True)
class SchemaFacts:
    """Everything the classifier needs from the input schema, each with the argument it came from."""

    secrets: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)
    operations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (argument, enum values)
    # free-text operation arguments: (argument, the operations its description names); () when it names none
    described_operations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    destructive_options: list[str] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)  # arguments listing what the call removes (``removeFields``)
    acting_options: list[str] = field(default_factory=list)  # flags that make the call act (``markRead``)
    gives_content: bool = False  # a top-level argument carries what to work on (``text``, ``data``, ``input``)
    locates_stored: bool = False  # a top-level argument says where a stored thing is (``document_id``, ``path``)
    outputs: list[str] = field(default_factory=list)  # where the tool writes files (``output_dir``)
    saved_to: list[str] = field(default_factory=list)  # paths whose description says the tool saves there
    required_outputs: list[str] = field(default_factory=list)  # of both, those the caller must give
    definitions: list[str] = field(default_factory=list)  # arguments holding a whole definition (``policy``)
    configs: list[str] = field(default_factory=list)  # a whole configuration as text (``config_xml``)
    # free-text operation arguments whose description names operations only as examples ("e.g. 'list',
    # 'create'"): any operation of what they route to may be asked
    open_operations: list[str] = field(default_factory=list)
    # operations read from the kind of each step of a list (``operations[].type``): they only raise
    step_kinds: list[str] = field(default_factory=list)
    # the two halves of a search-and-replace (``old_text``, ``new_text``): text put in place of what is there
    replacements: list[str] = field(default_factory=list)
    # what sets a machine's size (``memory``, ``cpus``, ``disk_gb``), where a fetched file is kept (``storage``,
    # ``bucket``) and a free-text name of a service, function or tool (``service``, ``function_name``)
    sizes: list[str] = field(default_factory=list)
    storages: list[str] = field(default_factory=list)
    callables: list[str] = field(default_factory=list)


def _is_secret(arg: Argument, roles: int) -> bool:
    if roles & SECRET:
        return True
    if roles & MAYBE_SECRET and (not arg.types or "string" in arg.types):
        return bool(_SECRET_PROSE_RE.search(arg.description))
    return False


def _is_boolean(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    return t == "boolean" or (isinstance(t, list) and "boolean" in t)


def _is_code(
    words: tuple[str, ...], joined: str, arg: Argument, tool_description: str, tool_mentions_code: Callable[[], bool]
) -> bool:
    last = words[-1]
    if last in ("command", "commands", "cmd") and is_subcommand(arg, tool_description):
        return False
    if last in INPUT_WORDS and _INTERACTIVE_RE.search(tool_description[:400]):
        return True  # "Send input to an existing terminal or REPL process"
    if last in ALWAYS_CODE or (last == "code" and len(words) > 1 and words[-2] in _CODE_QUALIFIERS):
        return True
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
        if not (tool_mentions_code() or _CODE_PROSE_RE.search(arg.description)):
            return False
        if last == "query" and _SEARCH_TEXT_RE.search(arg.description):
            return False  # words to search for, in plain language
        # a query in a language that only reads (PromQL, JQL...) is not code that can change anything
        return not _READ_ONLY_LANGUAGE_RE.search(arg.description or tool_description)
    return False


def _is_text_or_list(arg: Argument) -> bool:
    """A string, or an array of strings (not an object of named arguments)."""
    types = arg.types
    if types == _STRING:
        return True
    items = arg.schema.get("items")
    return types == _ARRAY and isinstance(items, dict) and items.get("type") == "string"


def _is_document(words: tuple[str, ...], description: str) -> bool:
    """A text argument that holds a whole document: its name or its description names a document's format."""
    if not _DOCUMENT_WORDS.isdisjoint(words):
        return True
    return not _DOCUMENT_WORDS.isdisjoint(_LOWER_WORD_RE.findall(description.lower()))


def _enum_strings(schema: dict[str, Any]) -> tuple[str, ...]:
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
                    out.extend(_enum_strings(b))
    return tuple(out)


def _is_required(schema: dict[str, Any], key: str) -> bool:
    required = schema.get("required")
    return isinstance(required, list) and key in required


def _replaces_on_conflict(arg: Argument, name: ArgumentName) -> bool:
    """A conflict policy one of whose values replaces what is there, or a status one of whose values removes the
    thing ("ENABLED, PAUSED, or REMOVED"): an enum value, or a word of its description ('"rename" (default) or
    "overwrite"')."""
    if arg.types and "string" not in arg.types:
        return False
    status = name.words[-1] in STATE_WORDS
    if status and ("." in arg.path or "[" in arg.path):
        return False  # a status nested in a record given whole is that record's, not what the call sets
    destroying = _REMOVED_STATES if status else _REPLACING_VALUES
    values = _enum_strings(arg.schema)
    if values:
        return any(value.lower() in destroying for value in values)
    return not destroying.isdisjoint(_LOWER_WORD_RE.findall(arg.description.lower()))


def _is_destructive_option(arg: Argument, roles: int) -> bool:
    if roles & DELETING_NAME:
        types = arg.types
        return not types or "boolean" in types
    if not _is_boolean(arg.schema):
        return False
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


def read_schema(schema: Any, tool_description: str) -> SchemaFacts:
    """Collect the risk-relevant facts of an input schema: one walk into nested objects, arrays,
    ``anyOf``/``oneOf``/``allOf`` branches and local ``$ref``s (bounded in depth and count), nested arguments as
    ``parent.child``."""
    reader = _SchemaReader(tool_description, schema)
    reader.walk(schema, "", 0)
    return reader.facts


class _SchemaReader:
    """The facts of one input schema, collected argument by argument in the order of the walk."""

    __slots__ = ("count", "facts", "mentions", "root", "tool_description", "walks")

    def __init__(self, tool_description: str, root: Any) -> None:
        self.facts = SchemaFacts()
        self.tool_description = tool_description
        self.root = root  # where a "$ref" points into ("#/$defs/Payload")
        self.count = 0  # arguments seen: only the first _MAX_ARGS are read
        self.walks = 0  # schemas entered: at most _MAX_WALKS
        self.mentions: bool | None = None

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        """``node`` with a local ``$ref`` ("#/$defs/Payload", "#/definitions/X") replaced by what it points to,
        ``node``'s own keys (a description) kept over the target's; a ref that leads nowhere, or out of the
        document, leaves ``node`` as it is. Pydantic models as parameters put every argument behind one."""
        for _ in range(4):  # a ref to a ref, a few times at most
            ref = node.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return node
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
            if not isinstance(target, dict):
                return node
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def walk(self, schema: Any, prefix: str, depth: int) -> None:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH or self.count >= _MAX_ARGS or self.walks >= _MAX_WALKS:
            return
        self.walks += 1
        if "$ref" in schema:
            schema = self.deref(schema)
        props = schema.get("properties")
        if isinstance(props, dict):
            facts = self.facts
            for key, sub in props.items():
                if not isinstance(sub, dict):
                    continue
                if "$ref" in sub:
                    sub = self.deref(sub)
                self.count = count = self.count + 1
                name = argument_name(key if type(key) is str else str(key))
                if name is None:
                    pass  # a name without words: only what it holds is read
                else:
                    if not prefix:
                        last = name.words[-1]
                        if last in _CONTENT_WORDS:
                            facts.gives_content = True
                        if last in _LOCATION_WORDS:
                            facts.locates_stored = True
                    # a name that says nothing matters only as a flag
                    if count <= _MAX_ARGS and (
                        name.roles
                        or (kind := sub.get("type")) == "boolean"
                        or (isinstance(kind, list) and "boolean" in kind)
                    ):
                        path = f"{prefix}{key}"
                        self.read(Argument(path, name, sub), name)
                        if (facts.outputs[-1:] == [path] or facts.saved_to[-1:] == [path]) and _is_required(
                            schema, key
                        ):
                            facts.required_outputs.append(path)
                    elif name.joined in _ITEM_KINDS and prefix.endswith("[]."):
                        self.item_kind(prefix, key, sub)
                if _DESCENT_KEYS.isdisjoint(sub):  # most arguments hold no nested ones: one test
                    continue
                if not _NESTING_KEYS.isdisjoint(sub):
                    self.walk(sub, f"{prefix}{key}.", depth + 1)
                items = sub.get("items")
                if isinstance(items, dict):
                    self.walk(items, f"{prefix}{key}[].", depth + 1)
        if _BRANCH_KEYS.isdisjoint(schema):
            return
        for key in ("anyOf", "oneOf", "allOf"):
            branches = schema.get(key)
            if isinstance(branches, list):
                for branch in branches[:20]:
                    self.walk(branch, prefix, depth + 1)

    def item_kind(self, prefix: str, key: str, sub: dict[str, Any]) -> None:
        """``operations[].type`` with ``add|alter|drop``: the kind of each step in a list of operations is an
        operation the tool performs."""
        parent = argument_name(prefix[:-3].rsplit(".", 1)[-1])
        if parent is not None and parent.words[-1] in _OPERATION_LISTS:
            enum = _enum_strings(sub)
            if enum:
                self.facts.operations.append((f"{prefix}{key}", enum))
                self.facts.step_kinds.append(f"{prefix}{key}")

    def tool_mentions_code(self) -> bool:  # searched at most once, and only for an argument named like code
        if self.mentions is None:
            self.mentions = bool(_CODE_PROSE_RE.search(self.tool_description))
        return self.mentions

    def read(self, arg: Argument, name: ArgumentName) -> None:
        facts, roles = self.facts, name.roles
        if _is_secret(arg, roles):
            facts.secrets.append(arg.path)
        if roles & PAYLOAD or (roles & MAYBE_PAYLOAD and _HTML_PROSE_RE.search(arg.description)):
            facts.payloads.append(arg.path)
        if roles & URL:
            facts.urls.append(arg.path)
        if roles & AMOUNT:
            facts.amounts.append(arg.path)
        if roles & TARGETS and "array" in arg.types:
            facts.lists.append(arg.path)
        enum = _enum_strings(arg.schema) if roles & OPERATION else ()
        if enum:
            facts.operations.append((arg.path, enum))
        elif (
            roles & MAYBE_CODE
            and _is_code(name.words, name.joined, arg, self.tool_description, self.tool_mentions_code)
            and not arg.types & _NOT_CODE_TYPES
        ):
            facts.code.append(arg.path)
        elif roles & FREE_OPERATION and (not arg.types or "string" in arg.types) and not names_options(arg.description):
            listed = listed_values(arg.description)
            if listed:  # "Must be one of: 'get_x', 'list_y'": an enum written in prose
                facts.operations.append((arg.path, listed))
            else:
                named = described_operations(arg, self.tool_description)
                facts.described_operations.append((arg.path, named))
                if named and gives_examples(arg.description):
                    facts.open_operations.append(arg.path)
        if name.words[0] in _ACTING_OPTION_VERBS and _is_boolean(arg.schema):
            facts.acting_options.append(arg.path)
        if _is_destructive_option(arg, roles) or (roles & ON_CONFLICT and _replaces_on_conflict(arg, name)):
            facts.destructive_options.append(arg.path)
        elif roles & DELETING_NAME and not arg.types.isdisjoint(_LISTING_TYPES):
            facts.removals.append(arg.path)
        if roles & OUTPUT:
            facts.outputs.append(arg.path)
        elif roles & PLACE and _SAVES_TO_RE.search(arg.description):
            facts.saved_to.append(arg.path)
        if roles & CONFIG and arg.types == _STRING and _is_document(name.words, arg.description):
            facts.configs.append(arg.path)
        if roles & REPLACEMENT and (not arg.types or "string" in arg.types):
            facts.replacements.append(arg.path)
        if roles & DEFINITION and (not arg.types or not arg.types.isdisjoint(_LISTING_TYPES)):
            facts.definitions.append(arg.path)
        if roles & SIZE:
            facts.sizes.append(arg.path)
        if roles & STORAGE:
            facts.storages.append(arg.path)
        if roles & CALLABLE and "enum" not in arg.schema and arg.schema.get("type", "string") == "string":
            facts.callables.append(arg.path)
