"""What a tool's input schema says about its risk: secrets, code, payloads, URLs, lists, operation enums.

Each finding names the argument it came from, so ``portcullis tools show`` can say *why*. The walk
goes into nested objects, arrays and ``anyOf``/``oneOf`` branches (bounded in depth and count).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from portcullis.catalog.lexicon import AMOUNT_ARGS, CODE_ARGS, OPERATION_ARGS, words
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
_CODE_PROSE_RE = re.compile(r"\b(?:sql|select\s+\S+\s+from|cypher|sparql|shell|bash|javascript|python|lua|ruby"
                            r"|eval(?:uate[sd]?)?|execut(?:e|es|ed|ion)|run(?:s)?\s+(?:the\s+)?(?:code|script)|script)\b",
                            re.IGNORECASE)
_ALWAYS_CODE = words("script scripts command commands cmd sql shell bash")
_CODE_QUALIFIERS = words("source python js javascript lua shell bash ruby program python3 node ts typescript")
_NOT_CODE_TYPES = frozenset({"boolean", "number", "integer"})


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


def _is_code(words: tuple[str, ...], joined: str, arg: Argument, tool_mentions_code: Callable[[], bool]) -> bool:
    last = words[-1]
    if last in _ALWAYS_CODE or (last == "code" and len(words) > 1 and words[-2] in _CODE_QUALIFIERS):
        return True
    if joined in CODE_ARGS or last in ("query", "code"):
        return tool_mentions_code() or bool(_CODE_PROSE_RE.search(arg.description))
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
        enum = _enum_strings(arg.schema) if joined in OPERATION_ARGS or last in OPERATION_ARGS else ()
        if enum:
            facts.operations.append((arg.path, enum))
        elif _is_code(words, joined, arg, tool_mentions_code) and not arg.types & _NOT_CODE_TYPES:
            facts.code.append(arg.path)
    return facts
