"""What the gateway tells OAuth clients: RFC 9728 metadata and the ``WWW-Authenticate`` challenges.

``/.well-known/oauth-protected-resource`` (and the same path followed by the resource's path, e.g.
``…/mcp``) answers the protected resource metadata: ``resource`` is the configured audience,
``authorization_servers`` the issuer, ``scopes_supported`` the required scopes. A refused request
gets a ``Bearer`` challenge that points at that document (``resource_metadata``), names the scopes
needed (``scope``) and, when a token was sent, says what was wrong with it (``error``, RFC 6750).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from portcullis.oauth.settings import OAuthSettings

__all__ = ["AuthFailure", "challenge", "metadata_document", "metadata_paths"]


@dataclass(frozen=True)
class AuthFailure:
    """A refused request: HTTP status, the ``WWW-Authenticate`` value, and the sentence a person reads."""

    status: int
    challenge: bytes
    message: str


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")


def challenge(settings: OAuthSettings, error: str | None = None, description: str | None = None) -> bytes:
    """``Bearer resource_metadata="…", scope="…"[, error="…", error_description="…"]``."""
    parts = [f'resource_metadata="{settings.metadata_url}"']
    if settings.scopes:
        parts.append(f'scope="{" ".join(settings.scopes)}"')
    if error is not None:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{_quoted(description)}"')
    return ("Bearer " + ", ".join(parts)).encode("latin-1", "replace")


def metadata_document(settings: OAuthSettings) -> bytes:
    """The RFC 9728 protected resource metadata, as JSON."""
    doc: dict[str, object] = {
        "resource": settings.audience,
        "authorization_servers": [settings.issuer],
        "bearer_methods_supported": ["header"],
        "resource_name": settings.resource_name,
    }
    if settings.scopes:
        doc["scopes_supported"] = list(settings.scopes)
    return orjson.dumps(doc)


def metadata_paths(settings: OAuthSettings) -> frozenset[str]:
    """The paths that serve the metadata: the bare well-known path and the one with the resource's path."""
    return frozenset({"/.well-known/oauth-protected-resource", settings.metadata_path})
