"""Redact secret-like values from tool arguments before they are stored, logged or sent anywhere.

Two tests decide that a value is secret:

- its **key** matches one of the redaction patterns (case-insensitive globs such as ``*password*``;
  the defaults below plus the operator's ``redact`` list), then the whole value is replaced;
- its **text** looks like a credential wherever it appears (a PEM private key, ``Bearer …``, a JWT,
  a GitHub/Slack/OpenAI/AWS/Stripe-style token, a ``scheme://user:password@`` URL); then only the
  matching part is replaced, so ``"call me with sk-…"`` keeps its shape.

The replacement is the string ``"[REDACTED]"``. Redaction never mutates its input.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["DEFAULT_REDACT_KEYS", "REDACTED", "Redactor"]

REDACTED = "[REDACTED]"

DEFAULT_REDACT_KEYS: tuple[str, ...] = (
    "*password*", "*passwd*", "*passphrase*", "*secret*", "*token", "*api_key*", "*apikey*", "*api-key*",
    "*access_key*", "*private_key*", "*privatekey*", "*credential*", "authorization", "cookie", "set-cookie",
    "*session_key*", "*mnemonic*", "*seed_phrase*", "pin", "cvv", "cvc", "*card_number*", "ssn",
)

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
_VALUE_RE = re.compile("|".join(f"(?:{p})" for p in _VALUE_PATTERNS))
_MAX_DEPTH = 32


class Redactor:
    """Replaces secret-like values; build once (it compiles its patterns) and reuse."""

    def __init__(self, extra_keys: Iterable[str] = (), *, defaults: bool = True) -> None:
        patterns = [*(DEFAULT_REDACT_KEYS if defaults else ()), *extra_keys]
        self.patterns: tuple[str, ...] = tuple(dict.fromkeys(p.lower() for p in patterns))
        regex = "|".join(fnmatch.translate(p) for p in self.patterns) or r"(?!)"
        self._key_re = re.compile(regex, re.IGNORECASE)
        self._cache: dict[str, bool] = {}

    def secret_key(self, key: str) -> bool:
        """Whether a value stored under ``key`` is a secret."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._key_re.match(key) is not None
            if len(self._cache) < 4096:
                self._cache[key] = hit
        return hit

    def text(self, value: str) -> str:
        """``value`` with credential-looking parts replaced."""
        return _VALUE_RE.sub(REDACTED, value)

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
