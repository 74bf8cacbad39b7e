"""Adapting results between the eras, so each client gets the shape its protocol version requires.

A modern (2026-07-28) client needs ``resultType`` on every result and ``ttlMs``/``cacheScope`` on
cacheable ones, which legacy upstreams never send (the bug that makes fastmcp show 0 tools). A
legacy client gets those modern-only fields removed. Everything else — ``_meta``,
``structuredContent``, annotations — passes through untouched.
"""

from __future__ import annotations

from typing import Any

from portcullis.protocol.constants import GATEWAY_INFO, SERVER_INFO_KEY

__all__ = ["CACHEABLE", "for_client"]

CACHEABLE = frozenset({"tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read"})


def for_client(modern: bool, method: str, result: dict[str, Any]) -> dict[str, Any]:
    """Return ``result`` in the shape a client of the given era expects (may mutate ``result``)."""
    if modern:
        result.setdefault("resultType", "complete")
        if method in CACHEABLE:
            result.setdefault("ttlMs", 0)
            result.setdefault("cacheScope", "private")
        meta = result.get("_meta")
        if meta is None:
            result["_meta"] = {SERVER_INFO_KEY: GATEWAY_INFO}
        elif isinstance(meta, dict):
            meta[SERVER_INFO_KEY] = GATEWAY_INFO
        return result
    if result.get("resultType") == "complete":
        del result["resultType"]
    result.pop("ttlMs", None)
    result.pop("cacheScope", None)
    meta = result.get("_meta")
    if isinstance(meta, dict) and SERVER_INFO_KEY in meta:
        del meta[SERVER_INFO_KEY]
        if not meta:
            del result["_meta"]
    return result
