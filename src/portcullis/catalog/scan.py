"""Scan a whole tool definition for text aimed at the model and for invisible characters.

Tool poisoning hides instructions for the model in a description (``<IMPORTANT>`` read ``~/.ssh/id_rsa``
…), and "full-schema poisoning" hides them in parameter names, nested descriptions, enum values or
defaults. So every string of the definition is scanned: the description and title, every property
name, and every ``description``/``title``/``enum``/``default``/``examples``/``const`` value of the input
and output schemas, at any depth. Invisible characters (zero-width, bidi controls, Unicode tags) are
reported where they are, then removed and the text NFKC-normalised before the instruction patterns
run, so obfuscation does not hide an instruction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

__all__ = ["LONG_DESCRIPTION", "ScanHit", "iter_strings", "scan_definition"]

LONG_DESCRIPTION = 10_000  # characters: longer descriptions are reported (room to hide instructions)
_MAX_STRINGS = 5_000
_MAX_DEPTH = 12

_HIDDEN_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")

_INSTRUCTION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("a tag addressed to the model",
     r"<\s*/?\s*(?:important|system|instructions?|secret|hidden|critical|admin|prompt)\s*>"),
    ("an order to ignore earlier instructions",
     r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*"
     r"(?:previous|prior|above|earlier|preceding|other|system|existing)\s+"
     r"(?:instructions?|prompts?|messages?|rules|directions|context|guidelines)"),
    ("an order to keep something from the user",
     r"\b(?:do\s+not|don'?t|never|must\s+not)\s+(?:tell|inform|mention|reveal|show|disclose|notify|alert|let)\b"
     r"[^.\n]{0,40}?\b(?:users?|humans?|operators?)\b"),
    ("an order to act without the user knowing",
     r"\bwithout\s+(?:telling|informing|notifying|asking|alerting|showing)\s+(?:the\s+)?(?:users?|humans?)\b"),
    ("a reference to a credential file",
     r"(?:~/\.ssh|\bid_rsa\b|\bid_ed25519\b|\.aws/credentials|/etc/passwd|/etc/shadow|\bmcp\.json\b|\.cursor/|\.env\b)"),
    ("a claim to change the model's role or permissions",
     r"\b(?:system\s+prompt|you\s+are\s+now\b|new\s+instructions|(?:grants?|gives?)\s+you\s+(?:\w+\s+){0,2}"
     r"(?:access|permission)|you\s+(?:now\s+)?have\s+(?:been\s+granted\s+)?(?:full\s+|unrestricted\s+)?"
     r"(?:access|permission))"),
    ("an order to use this tool instead of another",
     r"\b(?:instead\s+of\s+(?:using|calling)\s+(?:the\s+)?\w+|do\s+not\s+use\s+(?:any\s+)?(?:the\s+)?other\s+tools?)"),
    ("an order to pass data along",
     r"\b(?:must|always|first)\s+(?:read|send|pass|include|attach|forward|upload)\b[^.\n]{0,60}?"
     r"\b(?:private\s+key|ssh|credentials?|passwords?|secrets?|tokens?|conversation|chat\s+history)\b"),
)
_INSTRUCTION_RE = re.compile("|".join(f"(?P<p{i}>{p})" for i, (_, p) in enumerate(_INSTRUCTION_PATTERNS)),
                             re.IGNORECASE)

_TEXT_KEYS = ("description", "title", "default", "const", "examples", "enum")
_CHILD_KEYS = ("properties", "patternProperties", "$defs", "definitions")
_SUB_SCHEMA_KEYS = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames")
_SUB_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


class ScanHit:
    """One finding: which signal, and the evidence a person reads."""

    __slots__ = ("evidence", "signal")

    def __init__(self, signal: str, evidence: str) -> None:
        self.signal = signal
        self.evidence = evidence


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, v in enumerate(value[:200]):
            if isinstance(v, str):
                yield f"{path}[{i}]", v


def _schema_strings(schema: Any, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return
    for key in _TEXT_KEYS:
        if key in schema:
            yield from _texts(schema[key], f"{path}.{key}")
    for key in _CHILD_KEYS:
        children = schema.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                child_path = f"{path}.{key}.{name}"
                yield f"{child_path} (name)", str(name)
                yield from _schema_strings(child, child_path, depth + 1)
    for key in _SUB_SCHEMA_KEYS:
        if key in schema:
            yield from _schema_strings(schema[key], f"{path}.{key}", depth + 1)
    for key in _SUB_SCHEMA_LISTS:
        subs = schema.get(key)
        if isinstance(subs, list):
            for i, sub in enumerate(subs[:50]):
                yield from _schema_strings(sub, f"{path}.{key}[{i}]", depth + 1)


def iter_strings(tool: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every string of a tool definition a model could read, with where it is (``inputSchema.properties.x``)."""
    for key in ("name", "title", "description"):
        value = tool.get(key)
        if isinstance(value, str):
            yield key, value
    annotations = tool.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("title"), str):
        yield "annotations.title", annotations["title"]
    for key in ("inputSchema", "outputSchema"):
        yield from _schema_strings(tool.get(key), key, 0)


def _quote(text: str, start: int, end: int) -> str:
    snippet = " ".join(text[start:end].split())
    return snippet if len(snippet) <= 80 else snippet[:77] + "..."


def scan_definition(tool: dict[str, Any]) -> list[ScanHit]:
    """The ``hidden-unicode`` and ``instruction-in-description`` findings for one tool definition."""
    hits: list[ScanHit] = []
    seen: set[str] = set()
    for count, (where, text) in enumerate(iter_strings(tool)):
        if count >= _MAX_STRINGS:
            break
        if not text.isascii():
            hidden = [m for m in _HIDDEN_RE.finditer(text) if not _joins_emoji(text, m.start())]
            if hidden:
                ch = hidden[0].group(0)
                label = unicodedata.name(ch, "FORMAT CHARACTER")
                more = f" and {len(hidden) - 1} more" if len(hidden) > 1 else ""
                hits.append(ScanHit("hidden-unicode", f"U+{ord(ch):04X} {label}{more} in {where}"))
                text = _HIDDEN_RE.sub("", text)
            text = unicodedata.normalize("NFKC", text)
        for m in _INSTRUCTION_RE.finditer(text):
            label = _INSTRUCTION_PATTERNS[int((m.lastgroup or "p0")[1:])][0]
            if label in seen:
                continue
            seen.add(label)
            quote = _quote(text, m.start(), m.end())
            hits.append(ScanHit("instruction-in-description", f'{label} in {where}: "{quote}"'))
        if where == "description" and len(text) > LONG_DESCRIPTION:
            hits.append(ScanHit("instruction-in-description",
                                f"description is {len(text):,} characters long (room to hide instructions)"))
    return hits


def _joins_emoji(text: str, at: int) -> bool:
    """A zero-width joiner or variation selector between two pictographs is part of an emoji, not hidden text."""
    if text[at] != "\u200d" or at == 0 or at + 1 >= len(text):
        return False
    return unicodedata.category(text[at - 1]) in ("So", "Mn") and unicodedata.category(text[at + 1]) == "So"
