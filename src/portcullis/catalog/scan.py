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
from typing import Any, TypeAlias

import orjson

from portcullis.catalog.tokens import letters

__all__ = ["LONG_DESCRIPTION", "ScanHit", "iter_strings", "scan_definition"]

LONG_DESCRIPTION = 10_000  # characters: longer descriptions are reported (room to hide instructions)
_MAX_STRINGS = 5_000
_MAX_DEPTH = 12

_HIDDEN_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
# The same characters in UTF-8 (searched faster than the text: each alternative opens with a lead byte, which
# no character's encoding holds in its middle, so every match is the encoding of one of those characters).
_HIDDEN_UTF8_RE = re.compile(
    rb"\xc2\xad|\xe1\xa0\x8e|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]|\xef\xbb\xbf|\xf3\xa0[\x80\x81]"
)

_INSTRUCTION_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "a tag addressed to the model",
        r"<\s*/?\s*(?:important|system|instructions?|secret|hidden|critical|admin|prompt)\s*>",
    ),
    (
        "an order to ignore earlier instructions",
        r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*"
        r"(?:previous|prior|above|earlier|preceding|other|system|existing)\s+"
        r"(?:instructions?|prompts?|messages?|rules|directions|context|guidelines)",
    ),
    (
        "an order to keep something from the user",
        r"\b(?:do\s+not|don'?t|never|must\s+not)\s+(?:tell|inform|mention|reveal|show|disclose|notify|alert|let)\b"
        r"[^.\n]{0,40}?\b(?:users?|humans?|operators?)\b",
    ),
    (
        "an order to act without the user knowing",
        r"\bwithout\s+(?:telling|informing|notifying|asking|alerting|showing)\s+(?:the\s+)?(?:users?|humans?)\b",
    ),
    (
        "an order to read a credential file",  # a mention alone ("~/.ssh is rejected") is no order
        r"\b(?:read|send|pass|include|attach|upload|cat|open|copy|print|show|output|contents\s+of|provide|share|load)\b"
        r"[^.\n]{0,60}?(?:~/\.ssh|\bid_rsa\b|\bid_ed25519\b|\.aws/credentials|/etc/passwd|/etc/shadow|\bmcp\.json\b"
        r"|\.cursor/|\.env\b)",
    ),
    (
        "a claim to change the model's role or permissions",
        r"\b(?:system\s+prompt|you\s+are\s+now\b|new\s+instructions|(?:grants?|gives?)\s+you\s+(?:\w+\s+){0,2}"
        r"(?:access|permission)|you\s+(?:now\s+)?have\s+(?:been\s+granted\s+)?(?:full\s+|unrestricted\s+)?"
        r"(?:access|permission))",
    ),
    (
        "an order to use this tool instead of another",
        r"\b(?:instead\s+of\s+(?:using|calling)\s+(?:the\s+)?\w+|do\s+not\s+use\s+(?:any\s+)?(?:the\s+)?other\s+tools?)",
    ),
    (
        "an order to pass data along",
        r"\b(?:must|always|first)\s+(?:read|send|pass|include|attach|forward|upload)\b[^.\n]{0,60}?"
        r"\b(?:private\s+key|ssh|credentials?|passwords?|secrets?|tokens?|conversation|chat\s+history)\b",
    ),
)
_INSTRUCTION_RES = tuple(re.compile(p, re.IGNORECASE) for _, p in _INSTRUCTION_PATTERNS)
# Where in an ASCII text a match of each pattern can start (lower case): the pattern is tried there only, in
# order, which gives the match a search gives (the leftmost) without trying every position of a long text.
# (The tag pattern opens with "<", which the engine skips to by itself: it is searched as it is.)
_STARTS: tuple[tuple[str, ...], ...] = (
    (),
    ("ignore", "disregard", "forget", "override"),
    ("do", "never", "must"),
    ("without",),
    (),
    ("system", "you", "new", "grant", "give"),
    ("instead", "do"),
    ("must", "always", "first"),
)
# The credential-file pattern, tried around the paths it ends at: a match holds no full stop before its path
# (its verbs are letters and spaces, the words between them and the path no full stop), so it starts after
# the last full stop before the path, and ends with the path (a word boundary after it looks one further).
_TAG_PATTERN, _CREDENTIAL_PATTERN = 0, 4
_CREDENTIAL_PATHS = (
    "~/.ssh",
    "id_rsa",
    "id_ed25519",
    ".aws/credentials",
    "/etc/passwd",
    "/etc/shadow",
    "mcp.json",
    ".cursor/",
    ".env",
)
# For each pattern, groups of words or phrases (lower case, one space between words): the regex runs only
# when every group has one in the text with its whitespace runs made single spaces, a substring test much
# cheaper than the regex. Every match of the pattern contains one of each group.
_NEGATIONS = ("not", "don't", "dont", "never")
_HIDING = ("tell", "inform", "mention", "reveal", "show", "disclose", "notify", "alert", "let")
_TRIGGERS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("<",), ("important", "system", "instruction", "secret", "hidden", "critical", "admin", "prompt")),
    (
        ("ignore", "disregard", "forget", "override"),
        ("previous", "prior", "above", "earlier", "preceding", "other", "system", "existing"),
        ("instruction", "prompt", "message", "rules", "direction", "context", "guideline"),
    ),
    (("not", "don", "never"), tuple(f"{a} {b}" for a in _NEGATIONS for b in _HIDING), ("user", "human", "operator")),
    (
        ("without",),
        tuple(f"without {b}" for b in ("telling", "informing", "notifying", "asking", "alerting", "showing")),
        ("user", "human"),
    ),
    (
        ("ssh", "id_rsa", "id_ed25519", ".aws", "/etc/", "mcp.json", ".cursor", ".env"),
        (
            "read",
            "send",
            "pass",
            "include",
            "attach",
            "upload",
            "cat",
            "open",
            "copy",
            "print",
            "show",
            "output",
            "contents",
            "provide",
            "share",
            "load",
        ),
    ),
    (
        ("system", "you", "new"),
        (
            "system prompt",
            "you are now",
            "new instructions",
            "grant you",
            "grants you",
            "give you",
            "gives you",
            "you have",
            "you now have",
        ),
    ),
    (("instead of using", "instead of calling", "other tool"),),
    (
        ("must", "always", "first"),
        tuple(
            f"{a} {b}"
            for a in ("must", "always", "first")
            for b in ("read", "send", "pass", "include", "attach", "forward", "upload")
        ),
        ("key", "ssh", "credential", "password", "secret", "token", "conversation", "chat"),
    ),
)


# The fast path tests something cheaper first, per pattern, on the text's letters (``_LETTER_RUNS``: a-z, A-Z
# lower-cased, everything else a space): the pattern can only match when, for one of its alternatives, every
# requirement holds. A requirement is a set of words (one is a run of those letters), letters (bytes) the
# letters contain, phrases (a tuple of (a word of the phrase, the phrase): one whose word is a run is in the
# runs joined by single spaces), or a string the lower-cased text contains. Every match of the pattern meets
# one alternative: a word it requires stands between word boundaries or whitespace in it (a whole run of
# letters), and the words of a phrase only whitespace between. Then the pattern itself decides.
_Requirement: TypeAlias = frozenset[bytes] | bytes | tuple[tuple[bytes, bytes], ...] | str


def _words(text: bytes) -> frozenset[bytes]:
    return frozenset(text.split())


def _phrases(firsts: str, seconds: str) -> tuple[tuple[bytes, bytes], ...]:
    """Every first word followed by every second word (``_`` in a word is a space: "don_t" is "don't"), each
    with the second word: a phrase is looked for only when that word is a run of the text."""
    return tuple((b.encode(), f"{a} {b}".replace("_", " ").encode()) for a in firsts.split() for b in seconds.split())


def _phrase(phrase: str) -> tuple[tuple[bytes, bytes], ...]:
    return ((phrase.split()[0].encode(), phrase.encode()),)


_READERS = _words(b"read send pass include attach upload cat open copy print show output contents provide share load")
_HIDING_VERBS = "tell inform mention reveal show disclose notify alert let"
_GIVERS = _words(b"grant grants give gives")
_NEEDS: tuple[tuple[tuple[_Requirement, ...], ...], ...] = (
    (("<", _words(b"important system instruction instructions secret hidden critical admin prompt")),),
    (
        (
            _words(b"ignore disregard forget override"),
            _words(b"previous prior above earlier preceding other system existing"),
        ),
    ),
    (
        (
            _words(_HIDING_VERBS.encode()),
            _words(b"not don dont never"),
            _words(b"user users human humans operator operators"),
            _phrases("not don_t dont never", _HIDING_VERBS),
        ),
    ),
    (
        (
            _words(b"without"),
            _words(b"user users human humans"),
            _phrases("without", "telling informing notifying asking alerting showing"),
        ),
    ),
    tuple(
        (needed[0], _READERS, *needed[1:])
        for needed in (
            (_words(b"rsa"), _words(b"id")),
            (_words(b"ed"), _words(b"id")),
            (_words(b"aws"), b"credentials"),
            (_words(b"mcp"), _words(b"json"), "mcp.json"),
            (_words(b"cursor"), ".cursor/"),
            (_words(b"env"), ".env"),
            ("~", "~/.ssh"),
            (_words(b"etc"), b"passwd"),
            (_words(b"etc"), b"shadow"),
        )
    ),
    (
        (_words(b"system"), b"prompt", _phrase("system prompt")),
        (_words(b"now"), _words(b"you"), _words(b"are"), _phrase("you are now")),
        (_words(b"new"), b"instructions", _phrase("new instructions")),
        *(
            (_GIVERS, _words(b"you"), b"access", _phrases("grant grants give gives", "you")),
            (_GIVERS, _words(b"you"), b"permission", _phrases("grant grants give gives", "you")),
            (_words(b"have"), _words(b"you"), b"access", _phrase("you have") + _phrase("you now have")),
            (_words(b"have"), _words(b"you"), b"permission", _phrase("you have") + _phrase("you now have")),
        ),
    ),
    (
        (_words(b"instead"), _words(b"using calling"), _phrase("instead of using") + _phrase("instead of calling")),
        (
            _words(b"other"),
            _words(b"do"),
            _words(b"not"),
            _words(b"use"),
            b"tool",
            _phrase("do not use"),
            _phrase("other tool"),
        ),
    ),
    (
        (
            _words(b"must always first"),
            _words(
                b"key ssh credential credentials password passwords secret secrets token tokens conversation history"
            ),
            _phrases("must always first", "read send pass include attach forward upload"),
        ),
    ),
)
_CASELESS = frozenset({"<", "~"})  # strings without letters: looked for in the text as it is


def _gate(alternatives: tuple[tuple[_Requirement, ...], ...]) -> tuple[frozenset[bytes], tuple[str, ...]]:
    """One requirement of each alternative (a string without letters, else its first set of words, the one
    written first as the rarest in tool definitions): a text with none of them is cleared of the pattern in one
    test."""
    words: set[bytes] = set()
    strings: list[str] = []
    for alternative in alternatives:
        caseless = [r for r in alternative if isinstance(r, str) and r in _CASELESS]
        if caseless:
            strings.append(caseless[0])
        else:
            words |= next(r for r in alternative if isinstance(r, frozenset))
    return frozenset(words), tuple(strings)


_GATES = tuple(_gate(alternatives) for alternatives in _NEEDS)
# The same, by word (the patterns it lets through) and by string.
_GATE_WORDS: dict[bytes, tuple[int, ...]] = {
    word: tuple(i for i, (words, _) in enumerate(_GATES) if word in words) for words, _ in _GATES for word in words
}
_GATE_WORD_SET = frozenset(_GATE_WORDS)  # intersected with a set, the smaller one is iterated (not with a dict)
_GATE_STRINGS: tuple[tuple[str, int], ...] = tuple(
    (string, i) for i, (_, strings) in enumerate(_GATES) for string in dict.fromkeys(strings)
)
_NEEDED_WORDS: frozenset[bytes] = frozenset().union(
    *(
        r if isinstance(r, frozenset) else frozenset(word for word, _ in r)
        for alts in _NEEDS
        for alt in alts
        for r in alt
        if isinstance(r, (frozenset, tuple))
    )
)
# A phrase is in the runs joined by single spaces where it is in the letters with its spaces made runs of spaces
# (no runs to split and join): one search for each phrase.
_PHRASE_RES: dict[bytes, re.Pattern[bytes]] = {
    phrase: re.compile(re.escape(phrase).replace(b"\\ ", b" ").replace(b" ", b" +"))
    for alts in _NEEDS
    for alt in alts
    for r in alt
    if isinstance(r, tuple)
    for _, phrase in r
}
# translate: a-z stay, A-Z become a-z, the rest is a space
_LETTER_RUNS = bytes(c if 97 <= c <= 122 else c + 32 if 65 <= c <= 90 else 32 for c in range(256))

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
    head = [v for v in (tool.get("name"), tool.get("title")) if isinstance(v, str)]
    description = tool.get("description")
    annotations = tool.get("annotations")
    tail = [annotations["title"]] if isinstance(annotations, dict) and isinstance(annotations.get("title"), str) else []
    try:
        schemas = orjson.dumps((tool.get("inputSchema"), tool.get("outputSchema")))
        # unescaped part by part, as bytes (no escape spans two parts: they are joined by a line break)
        outer = [_unescaped_bytes(v.encode()) for v in (*head, *tail)]
        parts = [
            *outer[: len(head)],
            *([_unescaped_bytes(description.encode())] if isinstance(description, str) else []),
        ]
    except (TypeError, UnicodeEncodeError):  # orjson.JSONEncodeError too: not JSON; the walk copes with it
        return False
    rest = [*outer[len(head) :], _unescaped_bytes(schemas)]
    joined = b"\n".join([*parts, *rest])
    text = joined.decode()
    if not text.isascii():
        if _HIDDEN_UTF8_RE.search(joined):
            return False  # the walk reports where
        if not _stable(text):
            text = unicodedata.normalize("NFKC", text)
            views = _Views(text, text.replace("\u0131", "i").replace("\u0130", "i"))
            return _clear(views, text)
    if isinstance(description, str) and "\\" not in description:
        # the description's runs of letters are the prose reader's (tokens.letters): only the rest is split here
        runs = b"\n".join([*outer[: len(head)], *rest]).translate(_LETTER_RUNS).split()
        views = _Views(
            text, text, _NEEDED_WORDS.intersection(letters(description).words).union(_NEEDED_WORDS.intersection(runs))
        )
    else:
        views = _Views(text, text)
    return _clear(views, text)


def _stable(text: str) -> bool:
    """Text that NFKC and the folding of the dotted and dotless I leave as it is (emoji, dashes, accents): its
    runs of letters are the same as its parts', which the ASCII path takes from them."""
    return unicodedata.is_normalized("NFKC", text) and "\u0131" not in text and "\u0130" not in text


def _clear(views: _Views, text: str) -> bool:
    """No pattern matches: those that one of their gates lets through are tried (in any order: any match decides)."""
    patterns = {i for word in views.words & _GATE_WORD_SET for i in _GATE_WORDS[word]}
    patterns.update(i for string, i in _GATE_STRINGS if string in text)
    return not any(_may_match(_NEEDS[i], views) and _search(i, text) for i in patterns)


def _unescaped_bytes(text: bytes) -> bytes:
    """``_unescaped`` on UTF-8 (bytes replace much faster than text that is not ASCII)."""
    if b"\\" in text:
        return text.replace(b"\\n", b"\n").replace(b"\\t", b" ").replace(b"\\r", b" ").replace(b'\\"', b'"')
    return text


def _unescaped(text: str) -> str:
    """JSON's escapes of line breaks, tabs and quotes undone."""
    if "\\" in text:
        return text.replace("\\n", "\n").replace("\\t", " ").replace("\\r", " ").replace('\\"', '"')
    return text


def _search(i: int, text: str) -> re.Match[str] | None:
    """``_INSTRUCTION_RES[i].search(text)``, tried only where a match can start (``_STARTS``) or, for the
    credential-file pattern, around the paths (``_CREDENTIAL_PATHS``)."""
    pattern = _INSTRUCTION_RES[i]
    if i == _TAG_PATTERN:
        return pattern.search(text)
    # the letters IGNORECASE matches to ASCII ones made those, then lower case, one character for one
    lower = (
        text.lower()
        if text.isascii()
        else (text.replace("\u0130", "i").lower().replace("\u0131", "i").replace("\u017f", "s"))
    )  # "\u212a" lowers to k
    if len(lower) != len(text):
        return pattern.search(text)
    if i == _CREDENTIAL_PATTERN:
        windows = sorted(
            (text.rfind(".", 0, at) + 1, at + len(path) + 1)
            for path in _CREDENTIAL_PATHS
            for at in _occurrences(lower, path)
        )
        merged: list[list[int]] = []
        for start, end in windows:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            m = pattern.search(text, start, end)
            if m is not None:
                return m
        return None
    for at in sorted({at for start in _STARTS[i] for at in _occurrences(lower, start)}):
        m = pattern.match(text, at)
        if m is not None:
            return m
    return None


def _occurrences(text: str, sub: str) -> list[int]:
    found: list[int] = []
    at = text.find(sub)
    while at >= 0:
        found.append(at)
        at = text.find(sub, at + 1)
    return found


def _fold(text: str) -> str:
    """``text`` lower-cased, with the dotless and dotted I folded to ``i`` as the patterns' IGNORECASE folds them
    (NFKC has folded the other letters it matches to ASCII ones: the long s, the Kelvin sign)."""
    lower = text.lower()
    if not lower.isascii():
        lower = lower.replace("\u0131", "i").replace("\u0307", "")  # "İ".lower() is "i" and a combining dot
    return lower


class _Views:
    """The views of a text the requirements are tested on; the costlier ones made when first asked."""

    __slots__ = ("_letters", "_lower", "_runs", "folded", "raw", "words")

    def __init__(self, raw: str, folded: str, words: frozenset[bytes] | None = None) -> None:
        self.raw = raw
        self.folded = folded  # the dotless and dotted I made i, as IGNORECASE matches them
        self._letters: bytes | None = None
        self._runs: list[bytes] | None = None
        self.words = _NEEDED_WORDS.intersection(self.runs()) if words is None else words
        self._lower: str | None = None

    def letters(self) -> bytes:
        if self._letters is None:
            self._letters = self.folded.encode().translate(_LETTER_RUNS)
        return self._letters

    def runs(self) -> list[bytes]:
        if self._runs is None:
            self._runs = self.letters().split()
        return self._runs

    def lower(self) -> str:
        if self._lower is None:
            self._lower = _fold(self.raw)
        return self._lower


def _may_match(alternatives: tuple[tuple[_Requirement, ...], ...], views: _Views) -> bool:
    """Whether one alternative has all its requirements in the text (see ``_NEEDS``)."""
    for requirements in alternatives:
        for needed in requirements:
            if isinstance(needed, frozenset):
                if views.words.isdisjoint(needed):
                    break
            elif isinstance(needed, bytes):
                if needed not in views.letters():
                    break
            elif isinstance(needed, tuple):
                words = views.words
                if not any(word in words and _PHRASE_RES[phrase].search(views.letters()) for word, phrase in needed):
                    break
            elif needed not in (views.raw if needed in _CASELESS else views.lower()):
                break
        else:
            return True
    return False


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
    spaced = " ".join(_fold(joined).split())
    for i, groups in enumerate(_TRIGGERS):
        if not _fires(groups, spaced):
            continue
        m = _search(i, joined)
        if m is None:
            continue
        where, text, start = _locate(strings, m.start())
        quote = _quote(text, start, start + m.end() - m.start())
        hits.append(ScanHit("instruction-in-description", f'{_INSTRUCTION_PATTERNS[i][0]} in {where}: "{quote}"'))
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
