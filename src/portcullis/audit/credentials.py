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
from dataclasses import dataclass

__all__ = ["REDACTED", "redact_text"]

REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class _ValuePattern:
    """A credential pattern, and what every text it matches holds: one of ``hints`` (in the lowered text
    when ``caseless``), and ``also`` when given."""

    regex: str
    hints: tuple[str, ...]
    caseless: bool = False
    also: str = ""

    def may_match(self, text: str, lowered: str) -> bool:
        source = lowered if self.caseless else text
        return any(hint in source for hint in self.hints) and (not self.also or self.also in text)


_VALUE_PATTERNS: tuple[_ValuePattern, ...] = (
    _ValuePattern(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", ("-----BEGIN ",)
    ),
    _ValuePattern(r"(?i:\bbearer)\s+[A-Za-z0-9._~+/=-]{8,}", ("bearer",), caseless=True),
    _ValuePattern(r"(?i:\bbasic)\s+[A-Za-z0-9+/=]{12,}", ("basic",), caseless=True),
    _ValuePattern(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", ("eyJ",)),  # JWT
    _ValuePattern(  # GitHub
        r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _ValuePattern(r"\bxox[abprs]-[A-Za-z0-9-]{10,}", ("xox",)),  # Slack
    _ValuePattern(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}", ("sk-",)),  # OpenAI / Anthropic style
    _ValuePattern(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}", ("_live_", "_test_")),  # Stripe
    _ValuePattern(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", ("AKIA", "ASIA")),  # AWS access key id
    _ValuePattern(r"\bAIza[0-9A-Za-z_-]{35}\b", ("AIza",)),  # Google API key
    _ValuePattern(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)", ("://",), also="@"),  # user:password@ in a URL
)
# Text without any of these cannot match a value pattern (derived from the patterns' own hints).
_CASED_HINTS = tuple(hint for p in _VALUE_PATTERNS if not p.caseless for hint in p.hints)
_CASELESS_HINTS = tuple(hint for p in _VALUE_PATTERNS if p.caseless for hint in p.hints)
# password=…, ?token=…, "api_key": "…" inside a text: the name is kept, the value replaced. (A bare
# "password: " is left alone: in prose the next word is rarely the password.)
_INLINE = (
    r"(?P<keep>(?i:password|passwd|passphrase|passcode|pwd|secret|api[_-]?key|token|auth|otp|cvv|ssn"
    r"|session_?id)(?:\s*=\s*|[\"']\s*:\s*))(?:\"[^\"]*\"|'[^']*'|[^\s\"'&;,]+)"
)
# How every match of _INLINE begins (lowered): its key words, by their first letters.
_INLINE_STARTS = ("pass", "pwd", "secret", "api", "token", "auth", "otp", "cvv", "ssn", "session")

VALUE_RE = re.compile("|".join(f"(?:{p.regex})" for p in _VALUE_PATTERNS))
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
    for hint in _CASED_HINTS:  # most text holds none of the hints: no value pattern to run, not even its test
        if hint in value:
            lowered = value.lower()
            break
    else:
        lowered = value.lower()
        for hint in _CASELESS_HINTS:
            if hint in lowered:
                break
        else:
            return _inline(value, lowered) if "=" in value or ":" in value else value
    wanted = tuple(i for i, p in enumerate(_VALUE_PATTERNS) if p.may_match(value, lowered))
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
        pattern = re.compile("|".join(f"(?:{_VALUE_PATTERNS[i].regex})" for i in wanted))
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
