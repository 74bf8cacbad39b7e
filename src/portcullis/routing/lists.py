"""Aggregated lists (tools, prompts, resources, resource templates) over every upstream a grant reaches.

Each request reads every reachable server's complete listing (all its pages, concurrently), joins
them in config order and answers one page of ``list_page_size`` items (1,000 by default), so a
client that reads only the first page — as the ``mcp`` SDK's ``list_tools()`` does — sees
everything; longer lists carry the gateway's own signed cursor (``cursors``), never an upstream's.

- Tools come through the catalogue (``ToolCatalogue``): each listing read is handed to it before any
  agent is shown it, so a changed tool is blocked from the moment a listing shows the change, and
  agents see only what a person approved (``catalog.views``). Hidden tools are dropped per client.
- Requests that arrive while a server's listing is being read share that read (``singleflight``):
  a hundred agents listing at once cost each upstream one read, not a hundred. Nothing is kept once
  the read lands, and what each client sees (reach, hidden tools, approvals) is filtered per request.
- Names are exposed as ``<server>__<name>``; one longer than 64 characters (a limit many clients and
  model APIs enforce) is logged once, saying what to do.
- Resource URIs and templates are left as they are and recorded (``uris.UriOwners``) so that reads
  route to their owner; one listed by two reachable servers is left out and logged once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from portcullis.catalog.views import ListedTool, withheld_view
from portcullis.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from portcullis.pipeline.names import Namer
from portcullis.protocol import INVALID_PARAMS, JsonRpcError
from portcullis.protocol.validate import check_result
from portcullis.routing.cursors import CursorCodec, InvalidCursor
from portcullis.routing.singleflight import SingleFlight
from portcullis.routing.uris import UriOwners
from portcullis.upstream.pool import UpstreamPool

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_NAME_LENGTH", "ListError", "Lister", "ToolCatalogue", "walk_listing"]

log = logging.getLogger("portcullis.gateway")

KEYS = {
    "tools/list": "tools",
    "prompts/list": "prompts",
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
}
CAPABILITY = {
    "tools/list": "tools",
    "prompts/list": "prompts",
    "resources/list": "resources",
    "resources/templates/list": "resources",
}
_CLAIMED = {"resources/list": "uri", "resources/templates/list": "uriTemplate"}
DEFAULT_PAGE_SIZE = 1000
MAX_NAME_LENGTH = 64
_MAX_UPSTREAM_PAGES = 1000

Keep = Callable[[str, str], bool]  # (server, upstream tool name) -> listed to this client?


ListError = JsonRpcError  # a list request that cannot be served: the one JSON-RPC error type


class ToolCatalogue(Protocol):
    """Where tool listings go before agents see them (``catalog.refresh.CatalogRefresher``)."""

    def started(self, server: str) -> int: ...

    async def listed(self, server: str, tools: list[dict[str, Any]], started: int) -> list[ListedTool]: ...

    def notify_list_changed(self, server: str, *, announced: bool = False) -> None: ...

    def unreadable(self, server: str, why: str) -> None: ...


class Lister:
    def __init__(
        self,
        pool: UpstreamPool,
        namer: Namer,
        cursors: CursorCodec,
        page_size: int = DEFAULT_PAGE_SIZE,
        catalogue: ToolCatalogue | None = None,
    ) -> None:
        self.pool = pool
        self.namer = namer
        self.cursors = cursors
        self.page_size = page_size
        self.servers = list(pool.sessions)
        self.catalogue = catalogue  # every tool listing read goes through it (None: listed as read)
        self.owners = UriOwners(self.servers)
        self._reported: dict[tuple[str, str], str] = {}  # (server, method) → the problem last logged
        self._flagged: set[tuple[str, ...]] = set()  # long names and URI conflicts already logged
        # Concurrent requests share the upstream read in flight (keyed by the catalogue's generation, so
        # a request after a list_changed never joins a read begun before it); none is kept after it lands.
        self._tool_reads: SingleFlight[tuple[str, int], list[ListedTool]] = SingleFlight()
        self._reads: SingleFlight[tuple[str, str], list[dict[str, Any]]] = SingleFlight()

    def set_servers(self, servers: list[str], namer: Namer) -> None:
        """The gateway's servers changed while running: list and route by the new set, URIs learned afresh."""
        self.servers = servers
        self.namer = namer
        self.owners = UriOwners(servers)

    async def page(
        self,
        method: str,
        cursor: Any,
        *,
        reach: Callable[[str], bool] | None = None,
        keep: Keep | None = None,
        named: Keep | None = None,
    ) -> dict[str, Any]:
        """One page of the aggregated list ``method`` for a client.

        ``reach``: the servers its grant reaches; ``keep``: tools it may see (not hidden);
        ``named``: new tools its policy names (listed with their text withheld until approved).
        """
        key = KEYS[method]
        offset = 0
        if cursor is not None:
            if not isinstance(cursor, str):
                raise ListError(INVALID_PARAMS, "Invalid cursor: must be a string")
            try:
                offset = self.cursors.decode(method, cursor)
            except InvalidCursor as exc:
                raise ListError(INVALID_PARAMS, f"Invalid cursor: {exc}") from None
        servers = self.reachable(reach)
        per_server = await asyncio.gather(*(self._items(s, method, keep, named) for s in servers))
        if method in _CLAIMED:
            per_server = self._without_conflicts(method, servers, per_server)
        items = [item for server_items in per_server for item in server_items]
        end = offset + self.page_size
        result: dict[str, Any] = {key: items[offset:end]}
        if end < len(items):
            result["nextCursor"] = self.cursors.encode(method, end)
        return result

    def reachable(self, reach: Callable[[str], bool] | None) -> list[str]:
        return [s for s in self.servers if reach is None or reach(s)]

    async def walk(self, server: str, method: str) -> list[dict[str, Any]]:
        """Every item of ``server``'s listing ``method`` (``walk_listing``)."""
        return await walk_listing(self.pool, server, method)

    async def _items(self, server: str, method: str, keep: Keep | None, named: Keep | None) -> list[dict[str, Any]]:
        """What one server contributes to an aggregated list (nothing when it is down or fails)."""
        if self.pool.sessions[server].state != "ready":
            return []  # a server that is down lists nothing until it is back (logged by the pool)
        try:
            if method == "tools/list":
                generation = self.catalogue.started(server) if self.catalogue is not None else 0
                listed = await self._tool_reads.run((server, generation), lambda: self._read_tools(server))
            else:
                items = await self._reads.run((server, method), lambda: self._read(server, method))
        except UpstreamError as exc:
            self._left_out(server, method, exc.message)
            return []
        self._reported.pop((server, method), None)
        if method == "tools/list":
            return self._tools(server, listed, keep, named)
        if method == "prompts/list":
            return [self._named(server, item) for item in items]
        return items

    async def _read_tools(self, server: str) -> list[ListedTool]:
        """One read of ``server``'s tools, through the catalogue; shared by the requests that arrive meanwhile."""
        catalogue = self.catalogue
        started = catalogue.started(server) if catalogue is not None else 0
        try:
            items = await self.walk(server, "tools/list")
        except UpstreamUnavailable:
            raise  # down: its calls fail at once anyway
        except UpstreamError as exc:
            if catalogue is not None:
                catalogue.unreadable(server, exc.message)  # what it offers now is unknown: its calls are blocked
            raise
        if catalogue is None:
            return [ListedTool(str(t["name"]), t) for t in items]
        return await catalogue.listed(server, items, started)

    async def _read(self, server: str, method: str) -> list[dict[str, Any]]:
        """One read of another listing of ``server`` (resources: their URIs learned); shared likewise."""
        items = await self.walk(server, method)
        if method in _CLAIMED:
            claimed = [item.get(_CLAIMED[method]) for item in items]
            learn = self.owners.learn_resources if method == "resources/list" else self.owners.learn_templates
            learn(server, [c for c in claimed if isinstance(c, str)])
        return items

    def _tools(
        self, server: str, listed: list[ListedTool], keep: Keep | None, named: Keep | None
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for tool in listed:
            if keep is not None and not keep(server, tool.name):
                continue
            shown = tool.shown
            if tool.awaiting_approval:
                if named is None or not named(server, tool.name):
                    continue  # new and not approved: the model does not read it yet
                shown = withheld_view(self.namer.expose(server, tool.name), shown)
            out.append(self._named(server, shown))
        return out

    def _named(self, server: str, item: dict[str, Any]) -> dict[str, Any]:
        out = dict(item)
        exposed = self.namer.expose(server, str(item["name"]))
        out["name"] = exposed
        if len(exposed) > MAX_NAME_LENGTH and ("name", exposed) not in self._flagged:
            self._flagged.add(("name", exposed))
            log.warning(
                "'%s' is %d characters long: many clients and model APIs refuse names over %d, so agents "
                "may not see or call it. Give server '%s' a shorter name in the config (the name prefixes "
                "every tool and prompt), or with a single server set prefix_tools: false",
                exposed,
                len(exposed),
                MAX_NAME_LENGTH,
                server,
            )
        return out

    def _without_conflicts(
        self, method: str, servers: Sequence[str], per_server: Sequence[list[dict[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """Leave out URIs (or templates) that several servers list, and log each conflict once."""
        field = _CLAIMED[method]
        claimants: dict[str, list[str]] = {}
        for server, items in zip(servers, per_server, strict=True):
            for item in items:
                value = item.get(field)
                if isinstance(value, str) and server not in claimants.setdefault(value, []):
                    claimants[value].append(server)
        conflicts = {value: owners for value, owners in claimants.items() if len(owners) > 1}
        if not conflicts:
            return list(per_server)
        for value, owners in conflicts.items():
            if (field, value, *owners) not in self._flagged:
                self._flagged.add((field, value, *owners))
                names = " and ".join(f"'{s}'" for s in owners)
                log.warning(
                    "servers %s both list the resource %s %s: it is left out of %s and not served to "
                    "agents that reach both (the gateway does not guess whose content it is). Give each "
                    "grant only one of these servers, or rename it on one server",
                    names,
                    "template" if field == "uriTemplate" else "URI",
                    value,
                    method,
                )
        return [[item for item in items if item.get(field) not in conflicts] for items in per_server]

    def _left_out(self, server: str, method: str, why: str) -> None:
        """Log (once per distinct problem) why a server's items are missing from an aggregated list."""
        if self._reported.get((server, method)) != why:
            self._reported[(server, method)] = why
            log.warning(
                "%s: the %s of '%s' are left out of %s until it answers correctly", why, KEYS[method], server, method
            )

    async def learn(self, servers: Sequence[str]) -> None:
        """Read the resources and templates of ``servers`` (complete listings) to learn who owns which URI."""
        await asyncio.gather(
            *(self._items(s, m, None, None) for s in servers for m in ("resources/list", "resources/templates/list"))
        )


async def walk_listing(pool: UpstreamPool, server: str, method: str) -> list[dict[str, Any]]:
    """Every item of ``server``'s listing ``method``, all pages, checked; ``UpstreamError`` if it fails."""
    session = pool.sessions[server]
    if session.state != "ready":
        raise session.unavailable()
    if CAPABILITY[method] not in session.capabilities:
        return []
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(_MAX_UPSTREAM_PAGES):
        resp = await session.request(method, {"cursor": cursor} if cursor else None)
        if "error" in resp:
            raise UpstreamProtocolError(
                server,
                f"upstream server '{server}' answered {method} with an error: {resp['error'].get('message')}",
            )
        result = resp["result"]
        problem = check_result(method, result)
        if problem is not None:
            raise UpstreamProtocolError(server, f"upstream server '{server}' sent {problem}")
        items.extend(result.get(KEYS[method]) or [])
        cursor = result.get("nextCursor")
        if not cursor:
            return items
        if cursor in seen:
            raise UpstreamProtocolError(
                server, f"upstream server '{server}' repeated the cursor {cursor!r} while paginating {method}"
            )
        seen.add(cursor)
    raise UpstreamProtocolError(
        server, f"upstream server '{server}' paginated {method} past {_MAX_UPSTREAM_PAGES} pages"
    )
