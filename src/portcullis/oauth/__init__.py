"""Portcullis as an OAuth 2.1 resource server (MCP authorization): tokens from the organisation's
identity provider are validated here and mapped to grants, beside agent keys.

``settings`` (the ``oauth:`` config section) · ``jwks`` (discovery and the cached key set) ·
``tokens`` (JWT validation, pure) · ``introspect`` (opaque tokens, RFC 7662) · ``match`` (claims →
grant, pure) · ``metadata`` (RFC 9728 document, challenges) · ``gate`` (all of it, per request).
"""

from __future__ import annotations

__all__: list[str] = []  # import the modules themselves (config loading imports settings alone)
