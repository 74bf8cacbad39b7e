"""Risk signals beside the category: bulk targets, secret material, raw payloads, warnings, open-world writes.

Each signal quotes the words or names the argument that fired it. Whether a signal raises the level
(and on which tools) is ``classify``'s decision; this module only finds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any, Final

from portcullis.catalog.arguments import SchemaFacts
from portcullis.catalog.lexicon import first_in, words
from portcullis.catalog.tokens import CaselessPattern, letters
from portcullis.catalog.verdict import Verdict

__all__ = ["risk_signals"]

_BULK_WORDS: Final[frozenset[str]] = words("batch bulk multi multiple all mass many")
_SECRET_NAME_PAIRS: Final[frozenset[tuple[str, str]]] = frozenset(
    {("private", "key"), ("seed", "phrase"), ("secret", "key"), ("api", "key")}
)
_SECRET_PAIR_FIRSTS: Final[frozenset[str]] = frozenset(a for a, _ in _SECRET_NAME_PAIRS)
_SECRET_NAME_WORDS: Final[frozenset[str]] = words("mnemonic privatekey passphrase password secret")

_WARNING_RE = CaselessPattern(
    r"⚠|\bwarning\b|\bdanger(?:ous)?\b|\bhigh[\s-]risk\b|\bcaution\b|"
    r"\buse\s+with\s+care\b",
    ("⚠", "warning", "danger", "high", "caution", "use"),
)
_BULK_PROSE_RE = CaselessPattern(
    r"\b(?:in\s+bulk|in\s+batch(?:es)?|batch\s+of|multiple|mass)\b|\b(?:delete|remove|"
    r"cancel|close|clear|update|transfer|withdraw|sell|revoke|reset|send|archive|purge|"
    r"drop)s?\s+all\b",
    (
        "in",
        "batch",
        "multiple",
        "mass",
        "delete",
        "remove",
        "cancel",
        "close",
        "clear",
        "update",
        "transfer",
        "withdraw",
        "sell",
        "revoke",
        "reset",
        "send",
        "archive",
        "purge",
        "drop",
    ),
    word_starts=True,  # every alternative opens with \b
)
# A setting that guards the server itself (``allowedDirectories``, "full access"): changing it can widen what
# every later call may reach.
_ACCESS_CONTROL_RE = CaselessPattern(
    r"\b(?:full|unrestricted|unlimited)\s+access\b|\bsecurity\s+(?:issues?|risks?|settings?|restrictions?)\b|"
    r"\b(?:allowed|blocked|denied)(?:directories|commands|paths|hosts|domains|origins|tools|ips)\b",
    ("full", "unrestricted", "unlimited", "security", "allowed", "blocked", "denied"),
)
# Every match of it holds "access" or "security" as a run of letters, or one of these beginnings of a run.
_ACCESS_CONTROL_WORDS: Final[frozenset[bytes]] = frozenset(b"access security".split())
_ACCESS_CONTROL_STEMS = (b"allowed", b"blocked", b"denied")
# Every match of the two patterns holds one of these words as a run of letters (tokens.letters), or "⚠".
_WARNING_WORDS: Final[frozenset[bytes]] = frozenset(b"warning danger dangerous risk caution care".split())
_BULK_PROSE_WORDS: Final[frozenset[bytes]] = frozenset(b"bulk batch batches multiple mass".split())
_BULK_VERBS: Final[frozenset[bytes]] = frozenset(
    form
    for verb in (
        b"delete remove cancel close clear update transfer withdraw sell revoke reset send archive purge drop"
    ).split()
    for form in (verb, verb + b"s")
)


def risk_signals(v: Verdict, words: list[str], description: str, facts: SchemaFacts, annotations: Any) -> None:
    """Add the ``bulk``, ``secret-material``, ``raw-payload``, ``risk-warning``, ``access-control`` and
    ``open-world-write`` signals."""
    mutating = v.category != "read"
    bulk_word = first_in(words, _BULK_WORDS)
    found = letters(description)
    prose, text = found.words, found.text
    if bulk_word is not None:
        v.add("bulk", f"the name has '{bulk_word}': affects several targets")
    elif facts.lists:
        v.add("bulk", f"argument '{facts.lists[0]}' is a list of targets")
    else:
        m = (
            _BULK_PROSE_RE.search(description)
            if not prose.isdisjoint(_BULK_PROSE_WORDS) or (b"all" in prose and not prose.isdisjoint(_BULK_VERBS))
            else None
        )
        if m is not None:
            v.add("bulk", f'the description says "{m}"')
    pair = (
        next((f"{a} {b}" for a, b in pairwise(words) if (a, b) in _SECRET_NAME_PAIRS), None)
        if not _SECRET_PAIR_FIRSTS.isdisjoint(words)
        else None
    )
    secret_word = pair or first_in(words, _SECRET_NAME_WORDS)
    if facts.secrets:
        v.add(
            "secret-material",
            f"argument '{facts.secrets[0]}' carries a secret"
            + (f" (and {len(facts.secrets) - 1} more)" if len(facts.secrets) > 1 else ""),
        )
    elif secret_word is not None:
        v.add("secret-material", f"the name mentions '{secret_word}': it handles secret material")
    if facts.payloads and mutating:
        v.add("raw-payload", f"argument '{facts.payloads[0]}' accepts raw HTML/template content")
    if not mutating:
        return
    m = _WARNING_RE.search(description) if not prose.isdisjoint(_WARNING_WORDS) or "⚠" in description else None
    if m is not None:
        v.add("risk-warning", f'the description warns "{m}"')
    gated = not prose.isdisjoint(_ACCESS_CONTROL_WORDS)
    if not gated:
        for stem in _ACCESS_CONTROL_STEMS:  # a loop, not any() over a generator (a frame resumed per stem)
            if text.find(stem) >= 0:
                gated = True
                break
    m = _ACCESS_CONTROL_RE.search(description) if gated else None
    if m is not None:
        v.add("access-control", f'changes what guards the server: the description says "{m}"')
    if (annotations is not None and isinstance(annotations, (dict, Mapping))) and (
        annotations.get("openWorldHint") is True
    ):
        v.add("open-world-write", "openWorldHint is true on a tool that changes state")
    elif facts.urls:
        v.add("open-world-write", f"argument '{facts.urls[0]}' sends to an address the caller chooses")
