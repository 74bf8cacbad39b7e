"""Scan a whole tool definition for text aimed at the model and for invisible characters.

Tool poisoning hides instructions for the model in a description (``<IMPORTANT>`` read ``~/.ssh/id_rsa``
…), and "full-schema poisoning" hides them in parameter names, nested descriptions, enum values or
defaults. So every string of the definition is scanned: the description and title, every property
name, and every ``description``/``title``/``enum``/``default``/``examples``/``const`` value of the input
and output schemas, at any depth. Invisible characters (zero-width, bidi controls, Unicode tags) are
reported where they are, then removed and the text NFKC-normalised before the instruction patterns
run, so obfuscation does not hide an instruction. The patterns are in ``instructions``; the cheap tests that
clear most definitions of them at once, on the JSON text of their schemas, in ``gates``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import orjson

from portcullis.catalog.gates import LETTER_RUNS, NEEDED_WORDS, Views, clear, clear_of, gated
from portcullis.catalog.instructions import INSTRUCTION_PATTERNS, TRIGGERS, fires, fold, search
from portcullis.catalog.tokens import letters

__all__ = ["LONG_DESCRIPTION", "ScanHit", "StringWalk", "iter_strings", "scan_definition", "walk_strings"]

LONG_DESCRIPTION = 10_000  # characters: longer descriptions are reported (room to hide instructions)
_MAX_STRINGS = 5_000
# Levels of nesting read (an object in a list in an object … counts one per level): real definitions reach 20
# (a spreadsheet's whole create request); a definition deeper than this is reported, never silently cut short.
_MAX_DEPTH = 48

_HIDDEN_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
# The same characters in UTF-8 (searched faster than the text: each alternative opens with a lead byte, which
# no character's encoding holds in its middle, so every match is the encoding of one of those characters).
_HIDDEN_UTF8_RE = re.compile(
    rb"\xc2\xad|\xe1\xa0\x8e|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]|\xef\xbb\xbf|\xf3\xa0[\x80\x81]"
)
# Every byte of a character that is not ASCII is not an ASCII byte: with the ASCII bytes deleted, the characters
# that are not ASCII stay whole (and few), and the search finds one of those above where the text holds one.
_ASCII = bytes(range(128))
# The characters that may compose with the one before them (NFKC_QC=Maybe: the second of a canonical pair, the
# Hangul vowels and trailing consonants), in the Unicode database of this Python (a test derives them from it).
_MAY_COMPOSE_RE = re.compile(
    "["
    "\u0300-\u0304\u0306-\u030c\u030f\u0311\u0313-\u0314\u031b\u0323-\u0328\u032d-\u032e\u0330-\u0331"
    "\u0338\u0342\u0345\u05b4\u05b7-\u05b9\u05bc\u05bf\u05c1-\u05c2\u0653-\u0655\u093c\u09bc\u09be\u09d7"
    "\u0a3c\u0b3c\u0b3e\u0b56-\u0b57\u0bbe\u0bd7\u0c56\u0cc2\u0cd5-\u0cd6\u0d3e\u0d57\u0dca\u0dcf\u0ddf"
    "\u0f72\u0f74\u0f80\u0fb5\u0fb7\u102e\u1161-\u1175\u11a8-\u11c2\u1b35\u3099-\u309a\U000110ba"
    "\U00011127\U0001133e\U00011357\U000114b0\U000114ba\U000114bd\U000115af\U00011930\U0001d165"
    "\U0001d16e-\U0001d172"
    "]"
)

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


class StringWalk:
    """The strings of a definition, with where each is, and whether the walk stopped short of some of them
    (``cut``: past the most strings or the deepest level it reads). Not a list subclass: the classifier's
    compiled build cannot subclass a built-in type."""

    __slots__ = ("cut", "strings")

    def __init__(self) -> None:
        self.strings: list[tuple[str, str]] = []
        self.cut = False


def _texts(value: Any, where: str, walk: StringWalk, depth: int = 0) -> None:
    """Every string of a value the model reads as it is (a description, a default, an example, an enum, a
    const): the value itself, or at any depth of a list or an object (an object's keys too: an example
    object is as readable as a string)."""
    out = walk.strings
    if isinstance(value, str):
        out.append((where, value))
    elif len(out) >= _MAX_STRINGS:
        walk.cut = True
    elif depth > _MAX_DEPTH:
        walk.cut = walk.cut or bool(value)
    elif isinstance(value, list):
        for i, v in enumerate(value):  # no cut at an index: an instruction may sit past the 200th enum value
            if len(out) >= _MAX_STRINGS:
                return
            _texts(v, f"{where}[{i}]", walk, depth + 1)
    elif isinstance(value, dict):
        for name, v in value.items():
            if len(out) >= _MAX_STRINGS:
                return
            out.append((f"{where}.{name} (name)", str(name)))
            _texts(v, f"{where}.{name}", walk, depth + 1)


def _schema_strings(schema: Any, path: str, depth: int, walk: StringWalk) -> None:
    if not isinstance(schema, dict) or not schema:
        return
    out = walk.strings
    if depth > _MAX_DEPTH or len(out) >= _MAX_STRINGS:
        walk.cut = True
        return
    for key in _TEXT_KEYS:
        if key in schema:
            _texts(schema[key], f"{path}.{key}", walk)
    for key in _CHILD_KEYS:
        children = schema.get(key)
        if isinstance(children, dict):
            base = path + "." + key + "."
            for name, child in children.items():
                child_path = base + str(name)
                out.append((child_path + " (name)", str(name)))
                if isinstance(child, dict) and child:
                    _schema_strings(child, child_path, depth + 1, walk)
    for key in _SUB_SCHEMA_KEYS:
        if key in schema:
            _schema_strings(schema[key], f"{path}.{key}", depth + 1, walk)
    for key in _SUB_SCHEMA_LISTS:
        subs = schema.get(key)
        if isinstance(subs, list):
            for i, sub in enumerate(subs):
                _schema_strings(sub, f"{path}.{key}[{i}]", depth + 1, walk)


def _nothing_to_report(tool: Mapping[str, Any]) -> bool:
    """True when the definition has no invisible character and no instruction pattern matches, judged on the
    JSON text of both schemas instead of walking them (the common case, at C speed); False decides nothing.

    That text holds every string the walk collects (property names as keys, the rest as values) and more,
    with JSON's escapes undone for the patterns (``\\n`` is a line break again). Text that is not ASCII
    but has no invisible character is NFKC-normalised as the walk would. One difference: a pattern is not
    looked for across two separate strings of the schema (the walk joins them with a line break).
    """
    # (no comprehension: each is a call of its own, and most definitions have a name and nothing else here)
    name, title = tool.get("name"), tool.get("title")
    head = [name] if isinstance(name, str) else []
    if isinstance(title, str):
        head.append(title)
    description = tool.get("description")
    annotations = tool.get("annotations")
    tail = [annotations["title"]] if isinstance(annotations, dict) and isinstance(annotations.get("title"), str) else []
    try:
        # a description without a backslash has no escape to undo: its runs of letters and its UTF-8 are the prose
        # reader's (tokens.letters), made once
        found = letters(description) if isinstance(description, str) and "\\" not in description else None
        schemas = orjson.dumps((tool.get("inputSchema"), tool.get("outputSchema")))
        # unescaped part by part, as bytes (no escape spans two parts: they are joined by a line break)
        outer = []
        for v in (*head, *tail):
            encoded = v.encode()
            outer.append(encoded if encoded.find(b"\\") < 0 else _unescaped_bytes(encoded))
        parts = outer[: len(head)]
        if isinstance(description, str):
            parts.append(found.encoded if found is not None else _unescaped_bytes(description.encode()))
    except (TypeError, UnicodeEncodeError):  # orjson.JSONEncodeError too: not JSON; the walk copes with it
        return False
    rest = [*outer[len(head) :], _unescaped_bytes(schemas)]
    joined = b"\n".join([*parts, *rest])
    if not joined.isascii():
        others = joined.translate(None, _ASCII)
        if _HIDDEN_UTF8_RE.search(others):
            return False  # the walk reports where
        if not _stable_text(others, joined):
            text = unicodedata.normalize("NFKC", joined.decode())
            views = Views(text, text.replace("\u0131", "i").replace("\u0130", "i"))
            return clear(views, text)
    joined_letters: bytes | None = None
    if found is not None:
        # the description's runs of letters are the prose reader's: only the rest is split here
        other = b"\n".join([*outer[: len(head)], *rest]).translate(LETTER_RUNS)
        words = NEEDED_WORDS.intersection(found.words).union(NEEDED_WORDS.intersection(other.split()))
        patterns = gated(words, joined)
        if not patterns:  # the common case: no pattern's gate lets the text through, nothing more to make
            return True
        # the letters of the whole text, from its parts' (a line break is a space there): no translation again
        at = len(b"\n".join(outer[: len(head)])) if head else -1
        joined_letters = b"".join((other[: at + 1], found.text, b" ", other[at + 1 :]))
    else:
        words = NEEDED_WORDS.intersection(joined.translate(LETTER_RUNS).split())
        patterns = gated(words, joined)
        if not patterns:
            return True
    # ASCII, or stable (NFKC and the I folding leave it as it is): the text is its own folding, joined its UTF-8
    text = joined.decode()
    return clear_of(patterns, Views(text, text, words, joined, joined_letters), text)


def _stable(text: str) -> bool:
    """Text that NFKC and the folding of the dotted and dotless I leave as it is (emoji, dashes, accents): its
    runs of letters are the same as its parts', which the ASCII path takes from them."""
    return unicodedata.is_normalized("NFKC", text) and "\u0131" not in text and "\u0130" not in text


def _stable_text(others: bytes, joined: bytes) -> bool:
    """``_stable`` of the text ``joined`` encodes, judged first on ``others``, its characters that are not ASCII
    (often a few among many): when none of them may compose with the one before it and they are stable side by
    side, so is the whole text. An ASCII character is normalised and combines with nothing, and two characters
    that are not ASCII and meet in the text meet in ``others`` too: NFKC's quick check passes every character of
    the text and finds no combining marks out of order."""
    chars = others.decode()
    if _MAY_COMPOSE_RE.search(chars) is None and _stable(chars):
        return True
    return _stable(joined.decode())


def _unescaped_bytes(text: bytes) -> bytes:
    """``_unescaped`` on UTF-8 (bytes replace much faster than text that is not ASCII)."""
    if text.find(b"\\") >= 0:
        return text.replace(b"\\n", b"\n").replace(b"\\t", b" ").replace(b"\\r", b" ").replace(b'\\"', b'"')
    return text


def _unescaped(text: str) -> str:
    """JSON's escapes of line breaks, tabs and quotes undone."""
    if "\\" in text:
        return text.replace("\\n", "\n").replace("\\t", " ").replace("\\r", " ").replace('\\"', '"')
    return text


def walk_strings(tool: Mapping[str, Any]) -> StringWalk:
    """Every string of a tool definition a model could read, with where it is (``inputSchema.properties.x``),
    up to the most the walk reads (``cut`` says when there were more, or deeper)."""
    walk = StringWalk()
    out = walk.strings
    for key in ("name", "title", "description"):
        value = tool.get(key)
        if isinstance(value, str):
            out.append((key, value))
    annotations = tool.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("title"), str):
        out.append(("annotations.title", annotations["title"]))
    for key in ("inputSchema", "outputSchema"):
        _schema_strings(tool.get(key), key, 0, walk)
    if len(out) >= _MAX_STRINGS:
        del out[_MAX_STRINGS:]
        walk.cut = True
    return walk


def iter_strings(tool: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The strings ``walk_strings`` reads, with where each is."""
    return walk_strings(tool).strings


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
    walk = walk_strings(tool)
    walked = walk.strings
    if walk.cut:  # the text holds what may be an instruction, and the walk stopped short of it
        hits.append(
            ScanHit(
                "instruction-in-description",
                f"the definition holds more than {_MAX_STRINGS:,} strings or is nested more than {_MAX_DEPTH} "
                "levels deep: the rest was not read (room to hide instructions)",
            )
        )
    strings = [(where, text if text.isascii() else _hidden(where, text, hits)) for where, text in walked]
    if not strings:
        return hits
    joined = "\n".join(text for _, text in strings)
    spaced = " ".join(fold(joined).split())
    for i, groups in enumerate(TRIGGERS):
        if not fires(groups, spaced):
            continue
        m = search(i, joined)
        if m is None:
            continue
        where, text, start = _locate(strings, m.start())
        quote = _quote(text, start, start + m.end() - m.start())
        hits.append(ScanHit("instruction-in-description", f'{INSTRUCTION_PATTERNS[i][0]} in {where}: "{quote}"'))
    return _long_description(tool, hits)


def _long_description(tool: Mapping[str, Any], hits: list[ScanHit]) -> list[ScanHit]:
    description = tool.get("description")
    if isinstance(description, str) and len(description) > LONG_DESCRIPTION:
        hits.append(
            ScanHit(
                "instruction-in-description",
                f"description is {len(description):,} characters long (room to hide instructions)",
            )
        )
    return hits


def _joins_emoji(text: str, at: int) -> bool:
    """A zero-width joiner or variation selector between two pictographs is part of an emoji, not hidden text."""
    if text[at] != "\u200d" or at == 0 or at + 1 >= len(text):
        return False
    return unicodedata.category(text[at - 1]) in ("So", "Mn") and unicodedata.category(text[at + 1]) == "So"
