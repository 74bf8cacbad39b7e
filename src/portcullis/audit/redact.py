"""Redact secret-like values from tool arguments before they are stored, logged or sent anywhere.

Two tests decide that a value is secret:

- its **key** matches one of the redaction patterns (case-insensitive globs such as ``*password*``;
  the defaults below plus the operator's ``redact`` list), or holds one of the secret **words** as a
  word of its own (``auth`` in ``auth``, ``x-auth``, ``basicAuth``, ``authToken`` — not in ``author``);
  then the whole value is replaced;
- its **text** looks like a credential wherever it appears (a PEM private key, ``Bearer …``, a JWT,
  a GitHub/Slack/OpenAI/AWS/Stripe-style token, a ``scheme://user:password@`` URL, an inline
  ``password=…`` or JSON ``"token": "…"``); then only the value is replaced, so
  ``"call me with sk-…"`` keeps its shape (``audit.credentials``).

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

from portcullis.audit.credentials import REDACTED, redact_text

__all__ = ["DEFAULT_REDACT_KEYS", "DEFAULT_REDACT_WORDS", "REDACTED", "Redactor"]


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
        return redact_text(value)

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
