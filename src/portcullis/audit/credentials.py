"""Credentials inside a text (a PEM key, ``Bearer …``, a JWT, a vendor's token, ``user:password@`` in a URL,
an inline ``password=…``), replaced by ``[REDACTED]`` wherever they appear: ``redact_text``.

The patterns are plain regular expressions; what this module adds is not running them where they
cannot match, since every text of every call's record (and a tool argument may be a whole file) goes
through here. Run over a 4 KB text as one alternation, the value patterns cost about 200 µs and the
inline one about 550 µs, for text that holds no credential at all: neither has a literal prefix that
lets the regex engine skip ahead, so each tries every position. So, for ASCII text:

- each value pattern is run only if the text holds a substring every match of it must contain (its
  *hint*: ``eyJ`` for a JWT, ``ghp_`` and its kin for GitHub, ``bearer`` in the lowered text, …); the
  patterns left are run as one alternation, as before, so the leftmost match still wins;
- the inline pattern is tried only where one of its key words starts (found with ``str.find`` in the
  lowered text), left to right, each match resuming after the last one, as ``re.sub`` does.

Text with any non-ASCII character takes the patterns as they are, everywhere: case-insensitive
matching folds some non-ASCII letters (the long s, the Kelvin sign) to ASCII ones, which the lowered
text would not show. ``tests/audit/test_redact.py`` checks the result against every pattern run on
every text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["REDACTED", "redact_text"]

REDACTED = "[REDACTED]"

Hint = Callable[[str, str], bool]  # (text, its lowered form) -> whether the pattern may match
_GITHUB = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
# Text without any of these (and without "bearer" or "basic" in any case) cannot match a value pattern.
_ANY_HINT = ("-----BEGIN ", "eyJ", "gh", "github_pat_", "xox", "sk-", "_live_", "_test_", "AKIA", "ASIA", "AIza", "://")

# Each pattern, and a test that every text it matches passes.
_VALUE_PATTERNS: tuple[tuple[str, Hint], ...] = (
    (
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        lambda text, lowered: "-----BEGIN " in text,
    ),
    (r"(?i:\bbearer)\s+[A-Za-z0-9._~+/=-]{8,}", lambda text, lowered: "bearer" in lowered),
    (r"(?i:\bbasic)\s+[A-Za-z0-9+/=]{12,}", lambda text, lowered: "basic" in lowered),
    (  # JWT
        r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        lambda text, lowered: "eyJ" in text,
    ),
    (  # GitHub
        r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}",
        lambda text, lowered: any(prefix in text for prefix in _GITHUB),
    ),
    (r"\bxox[abprs]-[A-Za-z0-9-]{10,}", lambda text, lowered: "xox" in text),  # Slack
    (r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}", lambda text, lowered: "sk-" in text),  # OpenAI / Anthropic style
    (  # Stripe
        r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}",
        lambda text, lowered: "_live_" in text or "_test_" in text,
    ),
    (r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", lambda text, lowered: "AKIA" in text or "ASIA" in text),  # AWS key id
    (r"\bAIza[0-9A-Za-z_-]{35}\b", lambda text, lowered: "AIza" in text),  # Google API key
    (  # user:password@ in a URL
        r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",
        lambda text, lowered: "://" in text and "@" in text,
    ),
)
# password=…, ?token=…, "api_key": "…" inside a text: the name is kept, the value replaced. (A bare
# "password: " is left alone: in prose the next word is rarely the password.)
_INLINE = (
    r"(?P<keep>(?i:password|passwd|passphrase|passcode|pwd|secret|api[_-]?key|token|auth|otp|cvv|ssn"
    r"|session_?id)(?:\s*=\s*|[\"']\s*:\s*))(?:\"[^\"]*\"|'[^']*'|[^\s\"'&;,]+)"
)
# How every match of _INLINE begins (lowered): its key words, by their first letters.
_INLINE_STARTS = ("pass", "pwd", "secret", "api", "token", "auth", "otp", "cvv", "ssn", "session")

VALUE_RE = re.compile("|".join(f"(?:{p})" for p, _ in _VALUE_PATTERNS))
INLINE_RE = re.compile(_INLINE)
_SUBSETS: dict[tuple[int, ...], re.Pattern[str]] = {}  # the alternation of each set of patterns a text needed


def keep_name(match: re.Match[str]) -> str:
    """An inline credential's replacement: its name kept, its value redacted."""
    return f"{match.group('keep')}{REDACTED}"


def redact_text(value: str) -> str:
    """``value`` with credential-looking parts replaced."""
    if not value.isascii():
        value = VALUE_RE.sub(REDACTED, value)
        if "=" in value or ":" in value:
            value = INLINE_RE.sub(keep_name, value)
        return value
    lowered = ""
    for hint in _ANY_HINT:  # most text holds none of them: no pattern to run, not even its own test
        if hint in value:
            lowered = value.lower()
            break
    else:
        lowered = value.lower()
        if "bearer" not in lowered and "basic" not in lowered:
            return _inline(value, lowered) if "=" in value or ":" in value else value
    wanted = tuple(i for i, (_, may_match) in enumerate(_VALUE_PATTERNS) if may_match(value, lowered))
    if wanted:
        value = _values_of(wanted).sub(REDACTED, value)
        lowered = value.lower()
    if "=" in value or ":" in value:  # the inline form needs one: most text skips that pass
        value = _inline(value, lowered)
    return value


def _values_of(wanted: tuple[int, ...]) -> re.Pattern[str]:
    """One alternation of the value patterns ``wanted`` (in their order, so the same one wins a tie)."""
    pattern = _SUBSETS.get(wanted)
    if pattern is None:
        pattern = re.compile("|".join(f"(?:{_VALUE_PATTERNS[i][0]})" for i in wanted))
        if len(_SUBSETS) < 256:
            _SUBSETS[wanted] = pattern
    return pattern


def _inline(value: str, lowered: str) -> str:
    """``INLINE_RE.sub(keep_name, value)`` for ASCII ``value``, tried only where a key word starts."""
    starts: list[int] = []
    for word in _INLINE_STARTS:
        at = lowered.find(word)
        while at >= 0:
            starts.append(at)
            at = lowered.find(word, at + 1)
    if not starts:
        return value
    starts.sort()
    pieces: list[str] = []
    done = 0  # where the text not yet copied begins (after the last match)
    for at in starts:
        if at < done:
            continue
        match = INLINE_RE.match(value, at)
        if match is not None:
            pieces.append(value[done:at])
            pieces.append(keep_name(match))
            done = match.end()
    if not pieces:
        return value
    pieces.append(value[done:])
    return "".join(pieces)
