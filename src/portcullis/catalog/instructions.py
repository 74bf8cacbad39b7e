"""The instruction patterns the scan looks for, and where in a text each is tried.

Each pattern is an order or a claim aimed at the model (a tag addressed to it, an order to ignore earlier
instructions, to keep something from the user, to read a credential file …), with a label a person reads.
``search`` tries a pattern only where a match can start (its first words, or around the credential paths),
which gives the match a search gives without trying every position of a long text; ``TRIGGERS`` are words
or phrases one of each group of which every match holds (``fires``: a substring test before the pattern).
"""

from __future__ import annotations

import re

from portcullis.catalog.tokens import occurrences

__all__ = ["INSTRUCTION_PATTERNS", "TRIGGERS", "fires", "fold", "search"]

INSTRUCTION_PATTERNS: tuple[tuple[str, str], ...] = (
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
_INSTRUCTION_RES = tuple(re.compile(p, re.IGNORECASE) for _, p in INSTRUCTION_PATTERNS)
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
TRIGGERS: tuple[tuple[tuple[str, ...], ...], ...] = (
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


def search(i: int, text: str) -> re.Match[str] | None:
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
            for at in occurrences(lower, path)
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
    for at in sorted({at for start in _STARTS[i] for at in occurrences(lower, start)}):
        m = pattern.match(text, at)
        if m is not None:
            return m
    return None


def fold(text: str) -> str:
    """``text`` lower-cased, with the dotless and dotted I folded to ``i`` as the patterns' IGNORECASE folds them
    (NFKC has folded the other letters it matches to ASCII ones: the long s, the Kelvin sign)."""
    lower = text.lower()
    if not lower.isascii():
        lower = lower.replace("\u0131", "i").replace("\u0307", "")  # "İ".lower() is "i" and a combining dot
    return lower


def fires(groups: tuple[tuple[str, ...], ...], spaced: str) -> bool:
    """Whether every group has a word or phrase in ``spaced`` (lower case, single spaces)."""
    for group in groups:
        for word in group:
            if word in spaced:
                break
        else:
            return False
    return True
