"""The ``oauth:`` section of ``portcullis.yaml``: which identity provider's tokens the gateway accepts.

```yaml
oauth:
  issuer: https://login.example.com/realms/acme   # its JWKS is found by discovery …
  jwks_uri: https://login.example.com/keys        # … or named here
  audience: https://gw.example.com/mcp            # this gateway's resource URL (RFC 8707)
  scopes: [mcp:tools]                              # required on every call
  algorithms: [RS256, ES256]                       # accepted signature algorithms (never 'none' or HS*)
  leeway: 30s                                      # clock skew allowed on exp/nbf
  jwks_refresh: 10m                                # how often the key set is re-read in the background
  jwks_min_refresh: 30s                            # at most one re-read per this interval on an unknown kid
  introspection:                                   # optional: opaque tokens (RFC 7662)
    url: https://login.example.com/introspect      # or found by discovery
    client_id: portcullis
    client_secret: ${INTROSPECTION_SECRET}
```

The issuer, the JWKS and the introspection endpoint must be ``https://`` except on loopback (tests,
a provider on the same host). Secrets never appear in the settings' ``repr`` (logs).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from portcullis._plumbing.durations import parse_duration
from portcullis.config.source import Document, expand_env, join_path
from portcullis.errors import Problem

__all__ = ["ALGORITHMS", "IntrospectionSettings", "OAuthSettings", "parse_oauth"]

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_KEYS = {
    "issuer",
    "jwks_uri",
    "audience",
    "scopes",
    "algorithms",
    "leeway",
    "jwks_refresh",
    "jwks_min_refresh",
    "introspection",
    "resource_name",
    "description",
}
_INTROSPECTION_KEYS = {"url", "client_id", "client_secret", "cache"}


@dataclass(frozen=True)
class IntrospectionSettings:
    """RFC 7662 token introspection for opaque tokens."""

    url: str | None  # None: the ``introspection_endpoint`` of the issuer's discovery document
    client_id: str
    client_secret: str = field(repr=False)
    cache: float = 60.0  # seconds an active answer is reused (never past the token's exp)


@dataclass(frozen=True)
class OAuthSettings:
    """How the gateway acts as an OAuth 2.1 resource server."""

    issuer: str
    audience: str
    jwks_uri: str | None = None
    scopes: tuple[str, ...] = ()
    algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256", "EdDSA")
    leeway: float = 30.0
    jwks_refresh: float = 600.0
    jwks_min_refresh: float = 30.0
    introspection: IntrospectionSettings | None = None
    resource_name: str = "Portcullis MCP gateway"

    @property
    def metadata_path(self) -> str:
        """Where RFC 9728 puts this resource's metadata: the well-known prefix before the audience's path."""
        path = urlsplit(self.audience).path.rstrip("/")
        return "/.well-known/oauth-protected-resource" + path

    @property
    def metadata_url(self) -> str:
        parts = urlsplit(self.audience)
        return f"{parts.scheme}://{parts.netloc}{self.metadata_path}"


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(doc: Document, path: str, raw: Any, problems: list[Problem], *, https: bool = True) -> str | None:
    if not isinstance(raw, str) or not raw:
        problems.append(doc.problem(path, "must be a URL such as https://login.example.com/realms/acme"))
        return None
    value = expand_env(raw, path, doc, problems)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(doc.problem(path, f"must be an http(s) URL with a host, got {value!r}"))
        return None
    if https and parts.scheme != "https" and not _loopback(parts.hostname):
        problems.append(doc.problem(path, f"must be https:// (plain http only on loopback), got {value!r}"))
    return value


def _duration(doc: Document, path: str, raw: Any, default: float, problems: list[Problem]) -> float:
    if raw is None:
        return default
    try:
        return parse_duration(raw)
    except ValueError as exc:
        problems.append(doc.problem(path, str(exc)))
        return default


def _strings(doc: Document, path: str, raw: Any, problems: list[Problem]) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list) or not all(isinstance(s, str) and s for s in raw):
        problems.append(doc.problem(path, "must be a list of strings"))
        return None
    return tuple(raw)


def _introspection(doc: Document, raw: Any, problems: list[Problem]) -> IntrospectionSettings | None:
    path = "$.oauth.introspection"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(doc.problem(path, "must be a map with client_id, client_secret and optionally url"))
        return None
    for key in raw:
        if key not in _INTROSPECTION_KEYS:
            problems.append(
                doc.problem(
                    join_path(path, str(key)), f"unknown key '{key}' (known keys: cache, client_id, client_secret, url)"
                )
            )
    url = _url(doc, join_path(path, "url"), raw["url"], problems) if raw.get("url") is not None else None
    client_id, secret = raw.get("client_id"), raw.get("client_secret")
    if not isinstance(client_id, str) or not client_id:
        problems.append(doc.problem(join_path(path, "client_id"), "the gateway's client id at the provider is needed"))
        return None
    if not isinstance(secret, str) or not secret:
        problems.append(doc.problem(join_path(path, "client_secret"), "needed: write it as ${ENV} or ${file:PATH}"))
        return None
    secret = expand_env(secret, join_path(path, "client_secret"), doc, problems)
    cache = _duration(doc, join_path(path, "cache"), raw.get("cache"), 60.0, problems)
    return IntrospectionSettings(url, expand_env(client_id, join_path(path, "client_id"), doc, problems), secret, cache)


def parse_oauth(doc: Document, raw: Any, problems: list[Problem]) -> OAuthSettings | None:
    """Validate the ``oauth`` section (``None`` when absent); problems go to ``problems``."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(doc.problem("$.oauth", "must be a map with at least 'issuer' and 'audience'"))
        return None
    for key in raw:
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            problems.append(doc.problem(join_path("$.oauth", str(key)), f"unknown key '{key}' (known keys: {known})"))
    issuer = _url(doc, "$.oauth.issuer", raw.get("issuer"), problems)
    audience = _url(doc, "$.oauth.audience", raw.get("audience"), problems, https=False)
    jwks_uri = _url(doc, "$.oauth.jwks_uri", raw["jwks_uri"], problems) if raw.get("jwks_uri") is not None else None
    scopes = _strings(doc, "$.oauth.scopes", raw.get("scopes"), problems) or ()
    algorithms = _strings(doc, "$.oauth.algorithms", raw.get("algorithms"), problems)
    for alg in algorithms or ():
        if alg not in ALGORITHMS:
            problems.append(
                doc.problem("$.oauth.algorithms", f"'{alg}' is not accepted: use some of {', '.join(ALGORITHMS)}")
            )
    name = raw.get("resource_name", "Portcullis MCP gateway")
    if not isinstance(name, str):
        problems.append(doc.problem("$.oauth.resource_name", "must be a string"))
        name = "Portcullis MCP gateway"
    introspection = _introspection(doc, raw.get("introspection"), problems)
    if issuer is None or audience is None:
        return None
    return OAuthSettings(
        issuer=issuer,
        audience=audience,
        jwks_uri=jwks_uri,
        scopes=scopes,
        algorithms=algorithms or OAuthSettings.algorithms,
        leeway=_duration(doc, "$.oauth.leeway", raw.get("leeway"), 30.0, problems),
        jwks_refresh=_duration(doc, "$.oauth.jwks_refresh", raw.get("jwks_refresh"), 600.0, problems),
        jwks_min_refresh=_duration(doc, "$.oauth.jwks_min_refresh", raw.get("jwks_min_refresh"), 30.0, problems),
        introspection=introspection,
        resource_name=name,
    )
