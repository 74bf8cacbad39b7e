"""Redact secret-like values from tool arguments before they are stored, logged or sent anywhere.

Two tests decide that a value is secret:

- its **key** matches one of the redaction patterns (case-insensitive globs such as ``*password*``;
  the defaults below plus the operator's ``redact`` list), or holds one of the secret **words** as a
  word of its own (``auth`` in ``auth``, ``x-auth``, ``basicAuth``, ``authToken`` — not in ``author``);
  then the whole value is replaced;
- its **text** looks like a credential wherever it appears (a PEM private key, ``Bearer …``, a JWT,
  a GitHub/Slack/OpenAI/AWS/Stripe-style token, a ``scheme://user:password@`` URL, an inline
  ``password=…`` or JSON ``"token": "…"``); then only the value is replaced, so
  ``"call me with sk-…"`` keeps its shape.

A key's words are its parts split at ``_``, ``-``, ``.``, spaces, digits and camelCase humps
(``sessionId`` → ``session id``). A secret word followed by a word that only describes the thing
(``card_id``, ``auth_type``, ``otp_enabled``) is not a secret: see ``_DESCRIBING``.

The replacement is the string ``"[REDACTED]"``. Redaction never mutates its input.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["DEFAULT_REDACT_KEYS", "DEFAULT_REDACT_WORDS", "REDACTED", "Redactor"]

REDACTED = "[REDACTED]"

DEFAULT_REDACT_KEYS: tuple[str, ...] = (
    "*password*",
    "*passwd*",
    "*passphrase*",
    "*secret*",
    "*token",
    "*api_key*",
    "*apikey*",
    "*api-key*",
    "*access_key*",
    "*private_key*",
    "*privatekey*",
    "*credential*",
    "authorization",
    "cookie",
    "set-cookie",
    "*session_key*",
    "*mnemonic*",
    "*seed_phrase*",
    "pin",
    "cvv",
    "cvc",
    "*card_number*",
    "ssn",
)
DEFAULT_REDACT_WORDS: tuple[str, ...] = (
    "pwd",
    "passcode",
    "auth",
    "otp",
    "totp",
    "hotp",
    "private key",
    "card",
    "cvv",
    "cvc",
    "ssn",
    "sessionid",
    "session id",
    "pin",
)
# Last words of a key that name a property of the secret thing, not the thing: "card_id" is not a card.
_DESCRIBING = frozenset(
    {
        "id",
        "ids",
        "type",
        "types",
        "kind",
        "mode",
        "method",
        "methods",
        "scheme",
        "schemes",
        "provider",
        "enabled",
        "required",
        "count",
        "name",
        "title",
        "url",
        "uri",
        "status",
        "payment",
        "payments",
        "brand",
        "length",
        "format",
        "list",
        "expiry",
        "expires",
        "expiration",
        "issuer",
        "label",
        "description",
    }
)
_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")

_VALUE_PATTERNS = (
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    r"(?i:\bbearer)\s+[A-Za-z0-9._~+/=-]{8,}",
    r"(?i:\bbasic)\s+[A-Za-z0-9+/=]{12,}",
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWT
    r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}",  # GitHub
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}",  # Slack
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}",  # OpenAI / Anthropic style
    r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",  # AWS access key id
    r"\bAIza[0-9A-Za-z_-]{35}\b",  # Google API key
    r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",  # user:password@ in a URL
)
# password=…, ?token=…, "api_key": "…" inside a text: the name is kept, the value replaced. (A bare
# "password: " is left alone: in prose the next word is rarely the password.)
_INLINE = (
    r"(?P<keep>(?i:password|passwd|passphrase|passcode|pwd|secret|api[_-]?key|token|auth|otp|cvv|ssn"
    r"|session_?id)(?:\s*=\s*|[\"']\s*:\s*))(?:\"[^\"]*\"|'[^']*'|[^\s\"'&;,]+)"
)
_VALUE_RE = re.compile("|".join(f"(?:{p})" for p in _VALUE_PATTERNS))
# Text that one of _VALUE_PATTERNS can match holds one of these (the two case-insensitive words aside):
# an ASCII text with none of them skips the regex, the bulk of what a call's record costs to redact.
_VALUE_HINTS = (
    "://",
    "-----BEGIN",
    "eyJ",
    "gh",
    "github_pat_",
    "xox",
    "sk-",
    "_live_",
    "_test_",
    "AKIA",
    "ASIA",
    "AIza",
)
_INLINE_RE = re.compile(_INLINE)
_MAX_DEPTH = 32


class Redactor:
    """Replaces secret-like values; build once (it compiles its patterns) and reuse."""

    def __init__(self, extra_keys: Iterable[str] = (), *, defaults: bool = True) -> None:
        patterns = [*(DEFAULT_REDACT_KEYS if defaults else ()), *extra_keys]
        self.patterns: tuple[str, ...] = tuple(dict.fromkeys(p.lower() for p in patterns))
        regex = "|".join(fnmatch.translate(p) for p in self.patterns) or r"(?!)"
        self._key_re = re.compile(regex, re.IGNORECASE)
        self._words = tuple(tuple(w.split()) for w in DEFAULT_REDACT_WORDS) if defaults else ()
        self._cache: dict[str, bool] = {}

    def secret_key(self, key: str) -> bool:
        """Whether a value stored under ``key`` is a secret."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._key_re.match(key) is not None or self._secret_words(key)
            if len(self._cache) < 4096:
                self._cache[key] = hit
        return hit

    def _secret_words(self, key: str) -> bool:
        words = [w.lower() for w in _WORD_RE.findall(key)]
        for secret in self._words:
            n = len(secret)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == secret and (i + n == len(words) or words[-1] not in _DESCRIBING):
                    return True
        return False

    def text(self, value: str) -> str:
        """``value`` with credential-looking parts replaced."""
        if _may_hold_credential(value):
            value = _VALUE_RE.sub(REDACTED, value)
        if "=" in value or ":" in value:  # the inline form needs one: most text skips that pass
            value = _INLINE_RE.sub(_keep_name, value)
        return value

    def value(self, value: Any, _depth: int = 0) -> Any:
        """A copy of ``value`` (any JSON value) with secrets replaced."""
        if isinstance(value, str):
            return self.text(value)
        if _depth >= _MAX_DEPTH:
            return REDACTED if isinstance(value, (dict, list, tuple)) else value
        if isinstance(value, dict):
            return {k: (REDACTED if self.secret_key(str(k)) else self.value(v, _depth + 1)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v, _depth + 1) for v in value]
        return value

    def arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """A redacted copy of a call's arguments."""
        out = self.value(arguments)
        assert isinstance(out, dict)
        return out


def _may_hold_credential(value: str) -> bool:
    """False only when no ``_VALUE_PATTERNS`` can match: an ASCII text without any of their hints.

    (Non-ASCII text always goes through the patterns: case-insensitive matching folds some non-ASCII
    letters, such as the long s, to ASCII ones.)"""
    if not value.isascii():
        return True
    for hint in _VALUE_HINTS:
        if hint in value:
            return True
    lowered = value.lower()
    return "bearer" in lowered or "basic" in lowered


def _keep_name(match: re.Match[str]) -> str:
    return f"{match.group('keep')}{REDACTED}"
