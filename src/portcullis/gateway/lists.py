"""Aggregated, paginated lists (tools, prompts, resources, resource templates) over all upstreams.

Pages are the upstreams' own pages, walked server by server; the cursor handed to the client is the
gateway's (``cursors.CursorCodec``) wrapping ``(server index, upstream cursor)``. Names are exposed
as ``<server>__<name>``; hidden tools are dropped; URIs are left as they are and remembered so that
reads route to their owner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from portcullis.errors import UpstreamError
from portcullis.gateway.cursors import CursorCodec, InvalidCursor
from portcullis.gateway.names import Namer
from portcullis.upstream.pool import UpstreamPool
from portcullis.upstream.validate import check_result

__all__ = ["ListError", "Lister"]

log = logging.getLogger("portcullis.gateway")

KEYS = {"tools/list": "tools", "prompts/list": "prompts", "resources/list": "resources",
        "resources/templates/list": "resourceTemplates"}
CAPABILITY = {"tools/list": "tools", "prompts/list": "prompts", "resources/list": "resources",
              "resources/templates/list": "resources"}
_MAX_EMPTY_HOPS = 50
_MAX_LEARN_PAGES = 100


class ListError(Exception):
    """A list request that cannot be served; ``code`` is the JSON-RPC error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Lister:
    def __init__(self, pool: UpstreamPool, namer: Namer, cursors: CursorCodec) -> None:
        self.pool = pool
        self.namer = namer
        self.cursors = cursors
        self.servers = list(pool.sessions)
        self.uri_owner: dict[str, str] = {}
        # What agents see of a listed tool (the catalogue shows the approved definition of a changed one).
        self.tool_view: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
        self.template_owner: list[tuple[str, str]] = []  # (uri prefix before the first '{', server)
        self._reported: dict[tuple[str, str], str] = {}  # (server, method) → the problem last logged

    async def page(self, method: str, cursor: str | None,
                   keep: Callable[[str, dict[str, Any]], bool] | None = None,
                   reach: Callable[[str], bool] | None = None) -> dict[str, Any]:
        """One page of the aggregated list ``method``."""
        key = KEYS[method]
        index, upstream_cursor = 0, None
        if cursor is not None:
            if not isinstance(cursor, str):
                raise ListError(-32602, "Invalid cursor: must be a string")
            try:
                index, upstream_cursor = self.cursors.decode(method, cursor)
            except InvalidCursor as exc:
                raise ListError(-32602, f"Invalid cursor: {exc}") from None
            if not 0 <= index < len(self.servers):
                raise ListError(-32602, "Invalid cursor: unknown position")
        items: list[dict[str, Any]] = []
        for _ in range(_MAX_EMPTY_HOPS):
            if index >= len(self.servers):
                return {key: items}
            server = self.servers[index]
            if reach is not None and not reach(server):  # the client's grant does not reach this server
                index, upstream_cursor = index + 1, None
                continue
            page, next_cursor = await self._upstream_page(server, method, upstream_cursor)
            for item in page:
                if keep is not None and method == "tools/list" and not keep(server, item):
                    continue
                items.append(self._expose(server, method, item))
            if next_cursor:
                index, upstream_cursor = index, next_cursor
            else:
                index, upstream_cursor = index + 1, None
            if items:
                break
        result: dict[str, Any] = {key: items}
        if index < len(self.servers):
            result["nextCursor"] = self.cursors.encode(method, index, upstream_cursor)
        return result

    async def _upstream_page(self, server: str, method: str, cursor: str | None
                             ) -> tuple[list[dict[str, Any]], str | None]:
        session = self.pool.sessions[server]
        if session.state != "ready":
            return [], None  # a server that is down lists nothing until it is back (logged by the pool)
        cap = CAPABILITY[method]
        if cap not in session.capabilities:
            return [], None
        try:
            resp = await session.request(method, {"cursor": cursor} if cursor else None)
        except UpstreamError as exc:
            self._left_out(server, method, exc.message)
            return [], None
        if "error" in resp:
            self._left_out(server, method, f"upstream server '{server}' answered with an error: "
                                           f"{resp['error'].get('message')}")
            return [], None
        result = resp["result"]
        problem = check_result(method, result)
        if problem is not None:
            self._left_out(server, method, f"upstream server '{server}' sent {problem}")
            return [], None
        self._reported.pop((server, method), None)
        next_cursor = result.get("nextCursor")
        return result.get(KEYS[method]) or [], next_cursor if isinstance(next_cursor, str) else None

    def _left_out(self, server: str, method: str, why: str) -> None:
        """Log (once per distinct problem) why a server's items are missing from an aggregated list."""
        if self._reported.get((server, method)) != why:
            self._reported[(server, method)] = why
            log.warning("%s: the %s of '%s' are left out of %s until it answers correctly", why,
                        KEYS[method], server, method)

    def _expose(self, server: str, method: str, item: dict[str, Any]) -> dict[str, Any]:
        if method == "tools/list" and self.tool_view is not None:
            item = self.tool_view(server, item)
        if method in ("tools/list", "prompts/list"):
            out = dict(item)
            out["name"] = self.namer.expose(server, item["name"])
            return out
        if method == "resources/list":
            uri = item.get("uri")
            if isinstance(uri, str):
                self.uri_owner[uri] = server
            return item
        template = item.get("uriTemplate")
        if isinstance(template, str):
            prefix = template.split("{", 1)[0]
            if (prefix, server) not in self.template_owner:
                self.template_owner.append((prefix, server))
        return item

    def knows(self, uri: str) -> bool:
        """Whether a listing has told which server owns ``uri`` (by the URI or by a template)."""
        return uri in self.uri_owner or any(p and uri.startswith(p) for p, _ in self.template_owner)

    async def learn(self) -> None:
        """Walk every server's resources and templates (bounded) to learn which server owns which URI."""
        for method in ("resources/list", "resources/templates/list"):
            cursor: str | None = None
            for _ in range(_MAX_LEARN_PAGES):
                page = await self.page(method, cursor)
                next_cursor = page.get("nextCursor")
                if not isinstance(next_cursor, str):
                    break
                cursor = next_cursor

    def owner_of_uri(self, uri: str) -> list[str]:
        """The servers that may own ``uri``, most likely first."""
        if len(self.servers) == 1:
            return list(self.servers)
        owner = self.uri_owner.get(uri)
        if owner is not None:
            return [owner]
        by_template = sorted(((len(p), s) for p, s in self.template_owner if p and uri.startswith(p)), reverse=True)
        ordered = [s for _, s in by_template]
        return ordered + [s for s in self.servers if s not in ordered]
