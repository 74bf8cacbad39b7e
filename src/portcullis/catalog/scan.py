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
from collections.abc import Mapping
from typing import Any

import orjson

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
    ("an order to read a credential file",  # a mention alone ("~/.ssh is rejected") is no order
     r"\b(?:read|send|pass|include|attach|upload|cat|open|copy|print|show|output|contents\s+of|provide|share|load)\b"
     r"[^.\n]{0,60}?(?:~/\.ssh|\bid_rsa\b|\bid_ed25519\b|\.aws/credentials|/etc/passwd|/etc/shadow|\bmcp\.json\b"
     r"|\.cursor/|\.env\b)"),
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
_INSTRUCTION_RES = tuple(re.compile(p, re.IGNORECASE) for _, p in _INSTRUCTION_PATTERNS)
# For each pattern, groups of words or phrases (lower case, one space between words): the regex runs only
# when every group has one in the text with its whitespace runs made single spaces, a substring test much
# cheaper than the regex. Every match of the pattern contains one of each group.
_NEGATIONS = ("not", "don't", "dont", "never")
_HIDING = ("tell", "inform", "mention", "reveal", "show", "disclose", "notify", "alert", "let")
_TRIGGERS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("<",), ("important", "system", "instruction", "secret", "hidden", "critical", "admin", "prompt")),
    (("ignore", "disregard", "forget", "override"), ("previous", "prior", "above", "earlier", "preceding", "other",
                                                     "system", "existing"),
     ("instruction", "prompt", "message", "rules", "direction", "context", "guideline")),
    (("not", "don", "never"), tuple(f"{a} {b}" for a in _NEGATIONS for b in _HIDING), ("user", "human", "operator")),
    (("without",), tuple(f"without {b}" for b in ("telling", "informing", "notifying", "asking", "alerting",
                                                  "showing")), ("user", "human")),
    (("ssh", "id_rsa", "id_ed25519", ".aws", "/etc/", "mcp.json", ".cursor", ".env"),
     ("read", "send", "pass", "include", "attach", "upload", "cat", "open", "copy", "print", "show", "output",
      "contents", "provide", "share", "load")),
    (("system", "you", "new"), ("system prompt", "you are now", "new instructions", "grant you", "grants you",
                                "give you", "gives you", "you have", "you now have")),
    (("instead of using", "instead of calling", "other tool"),),
    (("must", "always", "first"), tuple(f"{a} {b}" for a in ("must", "always", "first")
                                        for b in ("read", "send", "pass", "include", "attach", "forward", "upload")),
     ("key", "ssh", "credential", "password", "secret", "token", "conversation", "chat")),
)

# The same groups, smallest first (in pattern order): to show that a pattern cannot fire, one group without a
# word is enough.
_TRIGGERS_SMALLEST_FIRST = tuple(tuple(sorted(groups, key=len)) for groups in _TRIGGERS)
# The groups of single words (no space), testable before the text's whitespace is normalised.
_WORD_GROUPS = tuple(tuple(g for g in groups if not any(" " in w for w in g)) for groups in _TRIGGERS_SMALLEST_FIRST)

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


def _texts(value: Any, path: str, key: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        out.append((path + "." + key, value))
    elif isinstance(value, list):
        for i, v in enumerate(value[:200]):
            if isinstance(v, str):
                out.append((f"{path}.{key}[{i}]", v))


def _schema_strings(schema: Any, path: str, depth: int, out: list[tuple[str, str]]) -> None:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH or len(out) >= _MAX_STRINGS:
        return
    for key in _TEXT_KEYS:
        if key in schema:
            _texts(schema[key], path, key, out)
    for key in _CHILD_KEYS:
        children = schema.get(key)
        if isinstance(children, dict):
            base = path + "." + key + "."
            for name, child in children.items():
                child_path = base + str(name)
                out.append((child_path + " (name)", str(name)))
                if isinstance(child, dict) and child:
                    _schema_strings(child, child_path, depth + 1, out)
    for key in _SUB_SCHEMA_KEYS:
        if key in schema:
            _schema_strings(schema[key], f"{path}.{key}", depth + 1, out)
    for key in _SUB_SCHEMA_LISTS:
        subs = schema.get(key)
        if isinstance(subs, list):
            for i, sub in enumerate(subs[:50]):
                _schema_strings(sub, f"{path}.{key}[{i}]", depth + 1, out)


def _nothing_to_report(tool: Mapping[str, Any]) -> bool:
    """True when the definition has no invisible character and no instruction pattern matches, judged on the
    JSON text of both schemas instead of walking them (the common case, at C speed); False decides nothing.

    That text holds every string the walk collects (property names as keys, the rest as values) and more,
    with JSON's escapes undone for the patterns (``\\n`` is a line break again). Text that is not ASCII
    but has no invisible character is NFKC-normalised as the walk would. One difference: a pattern is not
    looked for across two separate strings of the schema (the walk joins them with a line break).
    """
    parts = [v for v in (tool.get("name"), tool.get("title"), tool.get("description")) if isinstance(v, str)]
    annotations = tool.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("title"), str):
        parts.append(annotations["title"])
    try:
        parts.append(orjson.dumps((tool.get("inputSchema"), tool.get("outputSchema"))).decode())
    except TypeError:  # orjson.JSONEncodeError too: something that is not JSON; the walk copes with it
        return False
    text = "\n".join(parts)
    if "\\" in text:
        text = text.replace("\\n", "\n").replace("\\t", " ").replace("\\r", " ").replace('\\"', '"')
    if not text.isascii():
        if _HIDDEN_RE.search(text):
            return False  # the walk reports where
        text = unicodedata.normalize("NFKC", text)
    lower = text.lower()
    spaced = ""
    for i, groups in enumerate(_TRIGGERS_SMALLEST_FIRST):
        if not _fires(_WORD_GROUPS[i], lower):
            continue  # a group of single words without one in the text: this pattern cannot fire
        spaced = spaced or " ".join(lower.split())
        if _fires(groups, spaced) and _INSTRUCTION_RES[i].search(text):
            return False
    return True


def _fires(groups: tuple[tuple[str, ...], ...], spaced: str) -> bool:
    """Whether every group has a word or phrase in ``spaced`` (lower case, single spaces)."""
    for group in groups:
        for word in group:
            if word in spaced:
                break
        else:
            return False
    return True


def iter_strings(tool: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every string of a tool definition a model could read, with where it is (``inputSchema.properties.x``)."""
    out: list[tuple[str, str]] = []
    for key in ("name", "title", "description"):
        value = tool.get(key)
        if isinstance(value, str):
            out.append((key, value))
    annotations = tool.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("title"), str):
        out.append(("annotations.title", annotations["title"]))
    for key in ("inputSchema", "outputSchema"):
        _schema_strings(tool.get(key), key, 0, out)
    return out[:_MAX_STRINGS]


def _quote(text: str, start: int, end: int) -> str:
    snippet = " ".join(text[start:end].split())
    return snippet if len(snippet) <= 80 else snippet[:77] + "..."


def _locate(strings: list[tuple[str, str]], offset: int) -> tuple[str, str, int]:
    """The string of a newline-joined list that holds ``offset``, and the offset within it."""
    for where, text in strings:
        if offset <= len(text):
            return where, text, offset
        offset -= len(text) + 1
    where, text = strings[-1]
    return where, text, len(text)


def _hidden(where: str, text: str, hits: list[ScanHit]) -> str:
    """Report invisible characters in ``text``; return it without them and NFKC-normalised."""
    hidden = [m for m in _HIDDEN_RE.finditer(text) if not _joins_emoji(text, m.start())]
    if hidden:
        ch = hidden[0].group(0)
        label = unicodedata.name(ch, "FORMAT CHARACTER")
        more = f" and {len(hidden) - 1} more" if len(hidden) > 1 else ""
        hits.append(ScanHit("hidden-unicode", f"U+{ord(ch):04X} {label}{more} in {where}"))
        text = _HIDDEN_RE.sub("", text)
    return unicodedata.normalize("NFKC", text)


def scan_definition(tool: Mapping[str, Any]) -> list[ScanHit]:
    """The ``hidden-unicode`` and ``instruction-in-description`` findings for one tool definition."""
    hits: list[ScanHit] = []
    if _nothing_to_report(tool):
        return _long_description(tool, hits)
    strings = [(where, text if text.isascii() else _hidden(where, text, hits)) for where, text in iter_strings(tool)]
    if not strings:
        return hits
    joined = "\n".join(text for _, text in strings)
    spaced = " ".join(joined.lower().split())
    for i, groups in enumerate(_TRIGGERS):
        if not _fires(groups, spaced):
            continue
        m = _INSTRUCTION_RES[i].search(joined)
        if m is None:
            continue
        where, text, start = _locate(strings, m.start())
        quote = _quote(text, start, start + m.end() - m.start())
        hits.append(ScanHit("instruction-in-description", f'{_INSTRUCTION_PATTERNS[i][0]} in {where}: "{quote}"'))
    return _long_description(tool, hits)


def _long_description(tool: Mapping[str, Any], hits: list[ScanHit]) -> list[ScanHit]:
    description = tool.get("description")
    if isinstance(description, str) and len(description) > LONG_DESCRIPTION:
        hits.append(ScanHit("instruction-in-description",
                            f"description is {len(description):,} characters long (room to hide instructions)"))
    return hits


def _joins_emoji(text: str, at: int) -> bool:
    """A zero-width joiner or variation selector between two pictographs is part of an emoji, not hidden text."""
    if text[at] != "\u200d" or at == 0 or at + 1 >= len(text):
        return False
    return unicodedata.category(text[at - 1]) in ("So", "Mn") and unicodedata.category(text[at + 1]) == "So"
