"""What a tool's input schema says about its risk: secrets, code, payloads, URLs, lists, operations.

Each finding names the argument it came from, so ``portcullis tools show`` can say *why*. The walk
goes into nested objects, arrays and ``anyOf``/``oneOf`` branches (bounded in depth and count).
Operations are read from an ``action``/``operation``/``method`` argument's enum, or, when it is free
text, from the verbs its description names ("Operation to perform: cordon, drain, uncordon"; an HTTP
``method`` that may be ``DELETE``). Options that delete (``deleteLocalData``, ``overwrite``, a flag
"set to true to delete") are recorded too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

from portcullis.catalog.lexicon import (
    AMOUNT_ARGS,
    CODE_ARGS,
    OPERATION_ARGS,
    READ_ONLY_QUERY_LANGUAGES,
    VERBS,
    words,
)
from portcullis.catalog.tokens import base_verb, prose_words
from portcullis.catalog.tokens import tokenize_tuple as _words

__all__ = ["Argument", "SchemaFacts", "iter_arguments", "read_schema"]

_MAX_ARGS = 500
_MAX_DEPTH = 6

_SECRET_WORDS = words("mnemonic mnemonics passphrase password passwords passwd credential credentials "
                          "secret secrets privatekey privkey apikey jwt cookie cookies otp totp seedphrase")
_SECRET_PAIRS = frozenset({("private", "key"), ("priv", "key"), ("api", "key"), ("secret", "key"), ("seed", "phrase"),
                           ("signing", "key"), ("client", "secret"), ("app", "secret"), ("recovery", "phrase")})
_TOKEN_QUALIFIERS = words("access auth bearer refresh session login api oauth id csrf personal wallet "
                              "github slack bot user admin")
_SECRET_PROSE_RE = re.compile(r"\b(?:private\s+key|secret\s+key|seed\s+phrase|mnemonic|password|passphrase|"
                              r"api\s+key|access\s+token|auth(?:entication)?\s+token|session\s+token|credential)",
                              re.IGNORECASE)
_PAYLOAD_WORDS = words("html template templates payload payloads raw markup xml svg")
_HTML_PROSE_RE = re.compile(r"\b(?:html|raw|markup|template|payload)\b", re.IGNORECASE)
_URL_WORDS = words("url urls uri uris webhook webhooks callback endpoint")
_BULK_TARGETS = words("ids addresses recipients targets accounts wallets orders paths files entities "
                          "records users emails symbols tokens keys messages transactions issues documents rows "
                          "objects resources names urls relations observations contacts numbers")
_CODE_PROSE_RE = re.compile(r"\b(?:sql|select\s+\S+\s+from|cypher|sparql|graphql|shell|bash|javascript|python|lua|ruby"
                            r"|eval(?:uate[sd]?)?|execut(?:e|es|ed|ion)|run(?:s)?\s+(?:the\s+)?(?:code|script)|script)\b",
                            re.IGNORECASE)
# "SQL-like syntax": an API's own query language, which only selects
_READ_ONLY_LANGUAGE_RE = re.compile(r"\b(?:" + "|".join(sorted(READ_ONLY_QUERY_LANGUAGES)) + r"|sql[\s-]like)\b",
                                    re.IGNORECASE)
# Text typed into a terminal, shell or REPL runs there.
_INTERACTIVE_RE = re.compile(r"\b(?:terminal|shell|repl|console|interpreter|tty|pty)\b", re.IGNORECASE)
_INPUT_WORDS = words("input stdin keys keystrokes text")
_ALWAYS_CODE = words("script scripts command commands cmd sql shell bash")
_CODE_QUALIFIERS = words("source python js javascript lua shell bash ruby program python3 node ts typescript")
_NOT_CODE_TYPES = frozenset({"boolean", "number", "integer"})
# Free-text arguments that choose what a router tool does (``mode``/``kind`` are more often a style).
_FREE_OPERATION_ARGS = words("action actions operation operations op method subcommand sub_command command commands "
                             "cmd")
# A ``command`` that names one of a router's sub-commands rather than a program to run.
_ROUTER_PROSE_RE = re.compile(r"\bsub-?commands?\b|\bcommand\s+router\b|\bavailable\s+commands\b|\bcommand\s+names?\b",
                              re.IGNORECASE)
_SHELL_PROSE_RE = re.compile(r"\b(?:shell|bash|zsh|powershell|terminal|executable|argv|stdin|subprocess|arbitrary)\b",
                             re.IGNORECASE)
_IDENTIFIER_RE = re.compile(r"\b[A-Za-z][a-z0-9]*(?:[_-][A-Za-z0-9]+)+\b")
# Verbs that describe choosing an operation, not the operation ("Operation to perform").
_CHOOSING_VERBS = words("perform execute run do use specify choose select apply call invoke make pass want need "
                        "return see")
_HTTP_METHODS_RE = re.compile(r"\b(GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE)\b")
_HTTP_RE = re.compile(r"\bhttp\b|\brest\b", re.IGNORECASE)
_ALL_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_DESTRUCTIVE_OPTION_WORDS = words("delete remove purge overwrite drop destroy erase wipe truncate trash prune "
                                  "clobber force_delete replace_existing")
_DESTRUCTIVE_FLAG_RE = re.compile(r"\b(?:true|enable[sd]?|set)\b[^.]{0,40}?\b(?:delet|remov|purg|overwrit|destroy|"
                                  r"eras|wip(?:e|es|ing)\b|truncat|trash|drop)", re.IGNORECASE)


class Argument:
    """One argument of the input schema, at any depth."""

    __slots__ = ("path", "schema", "words")

    def __init__(self, path: str, words: tuple[str, ...], schema: dict[str, Any]) -> None:
        self.path = path  # ``to`` or ``options.privateKey``
        self.words = words
        self.schema = schema

    @property
    def types(self) -> frozenset[str]:
        """The JSON types the schema allows (computed when asked: most arguments never need them)."""
        t = self.schema.get("type")
        return (frozenset((t,)) if isinstance(t, str) else
                frozenset(x for x in t if isinstance(x, str)) if isinstance(t, list) else frozenset())

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


def _collect(schema: Any, prefix: str, depth: int, out: list[Argument]) -> None:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH or len(out) >= _MAX_ARGS:
        return
    props = schema.get("properties")
    if isinstance(props, dict):
        for name, sub in props.items():
            if not isinstance(sub, dict):
                continue
            path = f"{prefix}{name}"
            out.append(Argument(path, _words(str(name)), sub))
            if "properties" in sub or "anyOf" in sub or "oneOf" in sub or "allOf" in sub:
                _collect(sub, path + ".", depth + 1, out)
            items = sub.get("items")
            if isinstance(items, dict):
                _collect(items, path + "[].", depth + 1, out)
    for key in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            for branch in branches[:20]:
                _collect(branch, prefix, depth + 1, out)


def iter_arguments(schema: Any) -> list[Argument]:
    """Every named argument of an object schema, nested ones as ``parent.child`` (bounded)."""
    out: list[Argument] = []
    _collect(schema, "", 0, out)
    return out[:_MAX_ARGS]


def _is_secret(arg: Argument) -> bool:
    words = arg.words
    if not words:
        return False
    if not _SECRET_WORDS.isdisjoint(words):
        return True
    for pair in pairwise(words):
        if pair in _SECRET_PAIRS:
            return True
    last = words[-1]
    if last == "token" and len(words) > 1 and words[-2] in _TOKEN_QUALIFIERS:
        return True
    if last in ("token", "key", "seed", "pk") and (not arg.types or "string" in arg.types):
        return bool(_SECRET_PROSE_RE.search(arg.description))
    return False


def _is_code(words: tuple[str, ...], joined: str, arg: Argument, tool_description: str,
             tool_mentions_code: Callable[[], bool]) -> bool:
    last = words[-1]
    if last in ("command", "commands", "cmd") and _is_subcommand(arg, tool_description):
        return False
    if last in _INPUT_WORDS and _INTERACTIVE_RE.search(tool_description[:400]):
        return True  # "Send input to an existing terminal or REPL process"
    if last in _ALWAYS_CODE or (last == "code" and len(words) > 1 and words[-2] in _CODE_QUALIFIERS):
        return True
    if joined in CODE_ARGS or last in ("query", "code"):
        if not (tool_mentions_code() or _CODE_PROSE_RE.search(arg.description)):
            return False
        # a query in a language that only reads (PromQL, JQL...) is not code that can change anything
        return not _READ_ONLY_LANGUAGE_RE.search(arg.description or tool_description)
    return False


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


@lru_cache(maxsize=512)
def _router_description(description: str) -> tuple[bool, bool]:
    """Whether a description speaks of sub-commands, and whether of a shell (remembered: every ``command``
    argument of a tool asks about the same description)."""
    return bool(_ROUTER_PROSE_RE.search(description)), bool(_SHELL_PROSE_RE.search(description))


def _is_subcommand(arg: Argument, tool_description: str) -> bool:
    """A router's ``command`` argument: the descriptions speak of sub-commands, and not of a shell."""
    tool_router, tool_shell = _router_description(tool_description)
    arg_router, arg_shell = _router_description(arg.description)
    return (tool_router or arg_router) and not (tool_shell or arg_shell)


def _described_operations(arg: Argument, tool_description: str) -> tuple[str, ...]:
    """The operations a free-text operation argument's description names (verbs, or HTTP methods); for a
    router's sub-command, also the verbs of the sub-command names its tool's description lists."""
    description = arg.description
    if arg.words[-1] == "method":
        methods = tuple(dict.fromkeys(_HTTP_METHODS_RE.findall(description)))
        if methods:
            return methods
        if _HTTP_RE.search(description) or not description:
            return _ALL_HTTP_METHODS if _HTTP_RE.search(description) else ()
    found: list[str] = []
    for word in prose_words(description, 60):
        verb = base_verb(word, VERBS)
        if verb is not None and verb not in _CHOOSING_VERBS and verb not in found:
            found.append(verb)
    if arg.words[-1] in ("command", "commands", "cmd"):
        for identifier in _IDENTIFIER_RE.findall(tool_description[:4000]):
            for word in _words(identifier):
                if word in VERBS and word not in _CHOOSING_VERBS and word not in found:
                    found.append(word)
    return tuple(found)


def _is_destructive_option(arg: Argument, joined: str) -> bool:
    if joined in _DESTRUCTIVE_OPTION_WORDS or arg.words[0] in _DESTRUCTIVE_OPTION_WORDS or arg.words == ("in", "trash"):
        types = arg.types
        return not types or "boolean" in types
    if "boolean" not in arg.types:
        return False
    description = arg.description
    lower = description.lower()
    return any(w in lower for w in ("true", "enable", "set")) and bool(_DESTRUCTIVE_FLAG_RE.search(description))


def read_schema(schema: Any, tool_description: str) -> SchemaFacts:
    """Collect the risk-relevant facts of an input schema."""
    facts = SchemaFacts()
    mentions: list[bool] = []

    def tool_mentions_code() -> bool:  # searched at most once, and only for an argument named like code
        if not mentions:
            mentions.append(bool(_CODE_PROSE_RE.search(tool_description)))
        return mentions[0]

    for arg in iter_arguments(schema):
        words = arg.words
        if not words:
            continue
        joined = "_".join(words)
        last = words[-1]
        if _is_secret(arg):
            facts.secrets.append(arg.path)
        if last in _PAYLOAD_WORDS or words[0] == "raw" or (
                last == "body" and _HTML_PROSE_RE.search(arg.description)):
            facts.payloads.append(arg.path)
        if last in _URL_WORDS:
            facts.urls.append(arg.path)
        if last in AMOUNT_ARGS or joined in AMOUNT_ARGS:
            facts.amounts.append(arg.path)
        if last in _BULK_TARGETS and "array" in arg.types:
            facts.lists.append(arg.path)
        operation = joined in OPERATION_ARGS or last in OPERATION_ARGS
        enum = _enum_strings(arg.schema) if operation else ()
        if enum:
            facts.operations.append((arg.path, enum))
        elif _is_code(words, joined, arg, tool_description, tool_mentions_code) and not arg.types & _NOT_CODE_TYPES:
            facts.code.append(arg.path)
        elif operation and (joined in _FREE_OPERATION_ARGS or last in _FREE_OPERATION_ARGS) and (
                not arg.types or "string" in arg.types):
            facts.described_operations.append((arg.path, _described_operations(arg, tool_description)))
        if _is_destructive_option(arg, joined):
            facts.destructive_options.append(arg.path)
    return facts
