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
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from portcullis.catalog.argument_checks import (
    CODE_PROSE_RE,
    STRING,
    Argument,
    enum_strings,
    is_boolean,
    is_code,
    is_destructive_option,
    is_document,
    is_secret,
    replaces_on_conflict,
    said_to_delete_when_set,
    says_cannot_be_undone,
)
from portcullis.catalog.argument_names import (
    AMOUNT,
    CALLABLE,
    CONFIG,
    DEFINITION,
    DELETING_NAME,
    FREE_OPERATION,
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
    STORAGE,
    TARGETS,
    URL,
    ArgumentName,
    argument_name,
)
from portcullis.catalog.lexicon import words
from portcullis.catalog.operation_args import (
    described_operations,
    gives_examples,
    listed_values,
    names_options,
)
from portcullis.catalog.tokens import CaselessPattern

__all__ = ["SchemaFacts", "read_schema"]

_MAX_ARGS = 500

_NESTING_KEYS = frozenset({"properties", "anyOf", "oneOf", "allOf"})  # where arguments nest

_DESCENT_KEYS = _NESTING_KEYS | {"items"}  # an argument's keys the walk goes into

_BRANCH_KEYS = frozenset({"anyOf", "oneOf", "allOf"})

_MAX_DEPTH = 6

# Schemas (objects, branches) the walk enters, in all: a "$ref" can point back to where it stands, and branches of
# refs to refs multiply (20 branches, 7 deep: 20**7 walks from a schema of a hundred bytes). The largest schema of
# the real catalogues needs under two hundred.
_MAX_WALKS = 2_000

_HTML_PROSE_RE = CaselessPattern(
    r"\b(?:html|raw|markup|template|payload)\b",
    ("html", "raw", "markup", "template", "payload"),
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

_NOT_CODE_TYPES = frozenset({"boolean", "number", "integer"})

# An argument that carries what a tool works on, rather than naming where it is stored.
_CONTENT_WORDS = words(
    "text content contents data input string json html markdown code value values body source query expression "
    "yaml xml csv prompt message messages items rows records url"
)

# An argument that says where a stored thing is.
_LOCATION_WORDS = words(
    "id ids uuid path paths file files range ranges sheet document documents table layer layers index"
)

# A flag named for an act ("markRead", "start_if_needed", "send_notification"): set, the call does it.
_ACTING_OPTION_VERBS = words(
    "mark start create archive send commit submit lock claim consume acknowledge ack publish notify post delete "
    "fix repair apply"
)
# A filter's lookup ending a flag's name ("archive_serial_number__isnull", "deleted_exists"): it asks about records
# whose field is so, and acts on nothing.
_LOOKUPS = words("isnull exists gt gte lt lte contains icontains startswith endswith iexact")

_LISTING_TYPES = frozenset({"array", "string", "object"})  # a list, a text or an object (not a flag or number)

# The roles ``_SchemaReader.read`` tests, in the groups it skips in one test each.
_SECRET_ROLES = SECRET | MAYBE_SECRET
_PLAIN_ROLES = PAYLOAD | MAYBE_PAYLOAD | URL | AMOUNT | TARGETS
_OPERATION_ROLES = OPERATION | MAYBE_CODE | FREE_OPERATION
_PLACING_ROLES = OUTPUT | PLACE | CONFIG | REPLACEMENT | DEFINITION | SIZE | STORAGE | CALLABLE


def _may_tell_a_value(schema: dict[str, Any]) -> bool:
    """An argument whose name says nothing may still tell what one of its values does, quoted ("'truncate'
    replaces destination data"): read it then (a cheap test; most descriptions quote nothing)."""
    description = schema.get("description")
    return type(description) is str and (description.find("' ") >= 0 or description.find('" ') >= 0)


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
    # flags whose description says the act cannot be undone ("confirm": "Must be true; disable is irreversible"),
    # with the words that say so
    irreversible_flags: list[tuple[str, str]] = field(default_factory=list)
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

    def __init__(self, **given: Any) -> None:
        # the generated __init__ calls a factory per list and tests a sentinel per field (one of these is made for
        # every tool classified): list displays are several times cheaper; ``given`` as the generated one's keywords
        self.secrets, self.payloads, self.code, self.urls, self.lists, self.amounts = [], [], [], [], [], []
        self.operations, self.described_operations, self.destructive_options, self.removals = [], [], [], []
        self.irreversible_flags = []
        self.acting_options, self.outputs, self.saved_to, self.required_outputs = [], [], [], []
        self.definitions, self.configs, self.open_operations, self.step_kinds = [], [], [], []
        self.replacements, self.sizes, self.storages, self.callables = [], [], [], []
        self.gives_content = self.locates_stored = False
        for key, value in given.items():
            setattr(self, key, value)


def _is_required(schema: dict[str, Any], key: str) -> bool:
    required = schema.get("required")
    return isinstance(required, list) and key in required


def read_schema(schema: Any, tool_description: str) -> SchemaFacts:
    """Collect the risk-relevant facts of an input schema: one walk into nested objects, arrays,
    ``anyOf``/``oneOf``/``allOf`` branches and local ``$ref``s (bounded in depth and count), nested arguments as
    ``parent.child``."""
    reader = _SchemaReader(tool_description, schema)
    reader.walk(schema, "", 0)
    pending = reader.pending
    while pending:  # level by level: a deep first argument cannot use up the bounds before a shallow later one
        reader.walk(*pending.popleft())
    return reader.facts


class _SchemaReader:
    """The facts of one input schema, collected argument by argument in the order of the walk."""

    __slots__ = ("count", "facts", "mentions", "pending", "root", "tool_description", "walks")

    def __init__(self, tool_description: str, root: Any) -> None:
        self.facts = SchemaFacts()
        self.tool_description = tool_description
        self.root = root  # where a "$ref" points into ("#/$defs/Payload")
        self.count = 0  # arguments seen: only the first _MAX_ARGS are read
        self.walks = 0  # schemas entered: at most _MAX_WALKS
        self.pending: deque[tuple[Any, str, int]] = deque()  # nested schemas to walk, in the order they were met
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
                        or _may_tell_a_value(sub)
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
                    self.pending.append((sub, f"{prefix}{key}.", depth + 1))
                items = sub.get("items")
                if isinstance(items, dict):
                    self.pending.append((items, f"{prefix}{key}[].", depth + 1))
        if _BRANCH_KEYS.isdisjoint(schema):
            return
        for key in ("anyOf", "oneOf", "allOf"):
            branches = schema.get(key)
            if isinstance(branches, list):
                for branch in branches:  # every one: _MAX_WALKS bounds the work, a cut would hide the 21st
                    self.pending.append((branch, prefix, depth + 1))

    def item_kind(self, prefix: str, key: str, sub: dict[str, Any]) -> None:
        """``operations[].type`` with ``add|alter|drop``: the kind of each step in a list of operations is an
        operation the tool performs."""
        parent = argument_name(prefix[:-3].rsplit(".", 1)[-1])
        if parent is not None and parent.words[-1] in _OPERATION_LISTS:
            enum = enum_strings(sub)
            if enum:
                self.facts.operations.append((f"{prefix}{key}", enum))
                self.facts.step_kinds.append(f"{prefix}{key}")

    def tool_mentions_code(self) -> bool:  # searched at most once, and only for an argument named like code
        if self.mentions is None:
            self.mentions = bool(CODE_PROSE_RE.search(self.tool_description))
        return self.mentions

    def read(self, arg: Argument, name: ArgumentName) -> None:
        # the roles' tests in groups, each group skipped in one test (most names have one role or two)
        facts, roles = self.facts, name.roles
        if roles & _SECRET_ROLES and is_secret(arg, roles):
            facts.secrets.append(arg.path)
        if roles & _PLAIN_ROLES:
            if roles & PAYLOAD or (roles & MAYBE_PAYLOAD and _HTML_PROSE_RE.search(arg.description)):
                facts.payloads.append(arg.path)
            if roles & URL:
                facts.urls.append(arg.path)
            if roles & AMOUNT:
                facts.amounts.append(arg.path)
            if roles & TARGETS and "array" in arg.types:
                facts.lists.append(arg.path)
        if roles & _OPERATION_ROLES:
            self.read_operation(arg, name, roles)
        if name.words[0] in _ACTING_OPTION_VERBS and is_boolean(arg.schema) and name.words[-1] not in _LOOKUPS:
            facts.acting_options.append(arg.path)
        if (
            is_destructive_option(arg, roles)
            or (roles & ON_CONFLICT and replaces_on_conflict(arg, name))
            or (is_boolean(arg.schema) and said_to_delete_when_set(arg.path.rsplit(".", 1)[-1], self.tool_description))
        ):
            facts.destructive_options.append(arg.path)
        elif is_boolean(arg.schema) and (phrase := says_cannot_be_undone(arg.description)) is not None:
            facts.irreversible_flags.append((arg.path, phrase))
        elif roles & DELETING_NAME and not arg.types.isdisjoint(_LISTING_TYPES):
            facts.removals.append(arg.path)
        if not roles & _PLACING_ROLES:
            return
        if roles & OUTPUT:
            facts.outputs.append(arg.path)
        elif roles & PLACE and _SAVES_TO_RE.search(arg.description):
            facts.saved_to.append(arg.path)
        if roles & CONFIG and arg.types == STRING and is_document(name.words, arg.description):
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

    def read_operation(self, arg: Argument, name: ArgumentName, roles: int) -> None:
        """An operation argument's enum, code, or a free-text operation's named operations."""
        facts = self.facts
        enum = enum_strings(arg.schema) if roles & OPERATION else ()
        if enum:
            facts.operations.append((arg.path, enum))
        elif (
            roles & MAYBE_CODE
            and is_code(name.words, name.joined, arg, self.tool_description, self.tool_mentions_code)
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
