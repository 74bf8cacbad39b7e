"""A server's ``auth:`` setting: an OAuth 2.1 client-credentials grant the gateway runs for that upstream.

```yaml
servers:
  crm:
    url: https://crm.example.com/mcp
    auth:
      type: client_credentials
      token_url: https://login.example.com/oauth2/token
      client_id: portcullis-crm
      client_secret: ${file:/run/secrets/crm}
      scope: crm.read crm.write          # optional
      resource: https://crm.example.com/mcp   # optional (RFC 8707 resource indicator)
      refresh_before: 60s                # optional: renew this long before expiry (default: 60s or 1/5 of the lifetime)
    token_exchange:                      # optional: calls carry the caller's own token for this upstream (RFC 8693)
      token_url: https://login.example.com/oauth2/token
      client_id: portcullis
      client_secret: ${file:/run/secrets/exchange}
      audience: https://crm.example.com/mcp
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portcullis._plumbing.durations import parse_duration
from portcullis.config.source import Document, expand_env, join_path
from portcullis.errors import Problem

__all__ = ["ClientCredentialsSettings", "TokenExchangeSettings", "parse_token_exchange", "parse_upstream_auth"]

_KEYS = {"type", "token_url", "client_id", "client_secret", "scope", "resource", "audience", "refresh_before"}


@dataclass(frozen=True)
class ClientCredentialsSettings:
    """Where and how the gateway gets an access token for one upstream."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None
    resource: str | None = None
    audience: str | None = None
    refresh_before: float | None = None  # seconds; None: min(60 s, a fifth of the token's lifetime)


@dataclass(frozen=True)
class TokenExchangeSettings:
    """RFC 8693: each OAuth caller's access token exchanged for a token of its own for this upstream."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    audience: str | None = None
    resource: str | None = None
    scope: str | None = None


_EXCHANGE_KEYS = {"token_url", "client_id", "client_secret", "audience", "resource", "scope"}


def parse_token_exchange(doc: Document, path: str, raw: Any, problems: list[Problem]) -> TokenExchangeSettings | None:
    """Validate a server's ``token_exchange`` map (``None`` when absent)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(doc.problem(path, "must be a map: token_url, client_id, client_secret, audience"))
        return None
    for key in raw:
        if key not in _EXCHANGE_KEYS:
            known = ", ".join(sorted(_EXCHANGE_KEYS))
            problems.append(doc.problem(join_path(path, str(key)), f"unknown key '{key}' (known keys: {known})"))
    values = {
        key: _string(doc, join_path(path, key), raw.get(key), problems, "a string")
        for key in ("token_url", "client_id", "client_secret", "audience", "resource", "scope")
    }
    missing = [key for key in ("token_url", "client_id", "client_secret") if values[key] is None]
    for key in missing:
        if raw.get(key) is None:
            problems.append(doc.problem(join_path(path, key), f"'{key}' is needed for token_exchange"))
    if missing:
        return None
    return TokenExchangeSettings(**values)  # type: ignore[arg-type]


def _string(doc: Document, path: str, raw: Any, problems: list[Problem], what: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        problems.append(doc.problem(path, f"must be {what}"))
        return None
    return expand_env(raw, path, doc, problems)


def parse_upstream_auth(
    doc: Document, path: str, raw: Any, problems: list[Problem]
) -> ClientCredentialsSettings | None:
    """Validate a server's ``auth`` map (``None`` when absent)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(
            doc.problem(path, "must be a map: type: client_credentials, token_url, client_id, client_secret")
        )
        return None
    for key in raw:
        if key not in _KEYS:
            problems.append(
                doc.problem(join_path(path, str(key)), f"unknown key '{key}' (known keys: {', '.join(sorted(_KEYS))})")
            )
    if raw.get("type", "client_credentials") != "client_credentials":
        problems.append(doc.problem(join_path(path, "type"), "only 'client_credentials' is supported"))
    token_url = _string(doc, join_path(path, "token_url"), raw.get("token_url"), problems, "the provider's token URL")
    client_id = _string(doc, join_path(path, "client_id"), raw.get("client_id"), problems, "a client id")
    secret = _string(doc, join_path(path, "client_secret"), raw.get("client_secret"), problems, "a secret (${ENV})")
    refresh = raw.get("refresh_before")
    refresh_before = None
    if refresh is not None:
        try:
            refresh_before = parse_duration(refresh)
        except ValueError as exc:
            problems.append(doc.problem(join_path(path, "refresh_before"), str(exc)))
    if token_url is None or client_id is None or secret is None:
        for key, value in (("token_url", token_url), ("client_id", client_id), ("client_secret", secret)):
            if value is None and raw.get(key) is None:
                problems.append(doc.problem(join_path(path, key), f"'{key}' is needed for client_credentials"))
        return None
    return ClientCredentialsSettings(
        token_url=token_url,
        client_id=client_id,
        client_secret=secret,
        scope=_string(doc, join_path(path, "scope"), raw.get("scope"), problems, "a space-separated scope list"),
        resource=_string(doc, join_path(path, "resource"), raw.get("resource"), problems, "a URL"),
        audience=_string(doc, join_path(path, "audience"), raw.get("audience"), problems, "a string"),
        refresh_before=refresh_before,
    )
