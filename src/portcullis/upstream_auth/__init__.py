"""Credentials the gateway presents to upstream servers (never the agent's own): static headers from the
config (``${ENV}``, ``${file:PATH}``) or an OAuth client-credentials token per upstream (``client``)."""

from __future__ import annotations

__all__: list[str] = []
