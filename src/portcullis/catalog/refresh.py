"""Keep a ``Catalog`` current while the gateway runs, without ever holding up a call.

The gateway creates one ``CatalogRefresher`` and:

- awaits ``refresh()`` once at start-up (every server's tools, all pages), then starts ``run()`` as a
  background task: it re-reads every server every ``catalog.refresh_interval`` seconds and the pin
  store every ``catalog.pin_poll_interval`` seconds (so ``portcullis tools approve`` takes effect);
- calls ``notify_list_changed(server)`` when an upstream sends ``notifications/tools/list_changed``:
  that schedules a refresh of that server and returns at once;
- hands it every complete tool listing it reads for an agent's ``tools/list`` (``started`` before the
  read, ``listed`` after), so a change is in the catalogue — and a changed tool blocked — before any
  agent is shown that listing, not at the next periodic refresh.

Calls keep being checked against the catalogue as it was until a listing is in (``Catalog.update``
swaps a server's tools in one step). A server that is down keeps its previous tools (its calls fail
at once anyway); one whose listing cannot be read (malformed, an error, no answer) keeps them for
``portcullis tools`` but has every call blocked (``Catalog.unreadable``) until a listing reads
correctly, read again at every wake of ``run()`` (at least every ``pin_poll_interval``), outside the
lock that serialises refreshes (one that never answers holds up no other server's refresh).
``on_view_change(server)`` is told when what agents may see of a server's tools changed (a tool
added, removed or redefined, or a pin approved), so that agents can be sent ``list_changed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from portcullis.catalog.catalog import Catalog, CatalogChanges
from portcullis.catalog.classify import Classification
from portcullis.catalog.pins import PinStore
from portcullis.catalog.views import ListedTool
from portcullis.errors import PortcullisError, UpstreamUnavailable

_CLASSIFY_CHUNK = 32  # definitions classified between two turns of the event loop (a few ms)

__all__ = ["CatalogRefresher", "ListTools"]

log = logging.getLogger("portcullis.catalog")

ListTools = Callable[[str], Awaitable[list[dict[str, Any]]]]  # server name -> raw MCP tool dicts, all pages


class CatalogRefresher:
    """Re-reads tool lists and pins into a ``Catalog`` in the background, and takes listings read for agents."""

    def __init__(
        self,
        catalog: Catalog,
        servers: Iterable[str],
        list_tools: ListTools,
        store: PinStore,
        *,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[CatalogChanges], None] | None = None,
        on_view_change: Callable[[str], None] | None = None,
    ) -> None:
        self.catalog = catalog
        self.servers = list(servers)
        self.list_tools = list_tools
        self.store = store
        self.clock = clock
        self.on_change = on_change
        self.on_view_change = on_view_change
        self._pending: set[str] = set()
        self._announced: set[str] = set()  # servers whose next change agents already heard of
        self._failing: dict[str, str] = {}  # server → why its listing last failed (logged once); read again
        self._retry: asyncio.Task[None] | None = None  # that read, at most one at a time
        # A server's listing in the catalogue is current when it reflects its latest list_changed.
        self._generation: dict[str, int] = {}
        self._listed: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._accepting: dict[str, asyncio.Lock] = {}  # one listing of a server taken at a time

    async def reload_pins(self) -> None:
        """Re-read the pin store into the catalogue (an approval from the CLI reaches agents' views)."""
        for server in self.catalog.set_pins(await self.store.load()):
            if self.on_view_change is not None:
                self.on_view_change(server)

    def pins_changed(self) -> None:
        """Someone changed the pins (a replica, ``portcullis tools approve``): re-read them now, in the background."""
        self._wake.set()

    async def _reload_pins_logged(self) -> None:
        try:
            await self.reload_pins()
        except PortcullisError as exc:
            log.error("cannot read pins: %s", exc)

    async def refresh(self, servers: Iterable[str] | None = None) -> list[CatalogChanges]:
        """Re-read the tools of these servers (all by default) and the pins; persist first-use pins."""
        names = list(servers) if servers is not None else self.servers
        async with self._lock:
            await self._reload_pins_logged()
            generations = {n: self.started(n) for n in names}
            results = await asyncio.gather(*(self.list_tools(n) for n in names), return_exceptions=True)
            changes = [await self._take(n, r, generations[n]) for n, r in zip(names, results, strict=True)]
            return [c for c in changes if c]

    async def _take(self, name: str, result: list[dict[str, Any]] | BaseException, started: int) -> CatalogChanges:
        """What one read of ``name``'s tools gave: its listing into the catalogue, or why it has none."""
        if isinstance(result, UpstreamUnavailable):  # connecting, restarting, or down (it says why)
            log.warning("the tools of %s are not listed yet (%s); they are once it is up", name, result)
            self._failing.pop(name, None)  # read again when it is up (the runtime says so), not at every wake
            return CatalogChanges(name)
        if isinstance(result, BaseException):
            if self._failing.get(name) != str(result):  # retried at every wake: logged once per problem
                log.error("cannot list the tools of %s (its calls are refused until it does): %s", name, result)
            self._failing[name] = str(result)
            self.catalog.unreadable(name)
            return CatalogChanges(name)
        self._failing.pop(name, None)
        return await self.accept(name, result, started)

    async def _retry_failing(self) -> None:
        """Read again the servers whose listing could not be read (their calls are blocked meanwhile). Not
        under the lock while reading: one that never answers holds up no other server's refresh."""
        names = [n for n in self._failing if n in self.servers]
        generations = {n: self.started(n) for n in names}
        results = await asyncio.gather(*(self.list_tools(n) for n in names), return_exceptions=True)
        async with self._lock:
            for name, result in zip(names, results, strict=True):
                await self._take(name, result, generations[name])

    def started(self, server: str) -> int:
        """Call before reading ``server``'s listing; pass the result to ``accept``/``listed`` with it."""
        return self._generation.get(server, 0)

    async def accept(self, server: str, tools: list[dict[str, Any]], started: int) -> CatalogChanges:
        """Put a complete listing of ``server`` (read after ``started``) into the catalogue: its new and changed
        definitions classified a few at a time, the event loop free between them (a server that lists thousands
        of tools, changed at every list_changed, would otherwise hold up every call for as long as that takes);
        one listing of a server at a time, in the order they came."""
        lock = self._accepting.setdefault(server, asyncio.Lock())
        async with lock:
            trusted = self.catalog.trusts(server)
            classified: dict[str, Classification] = {}
            for start in range(0, len(tools), _CLASSIFY_CHUNK):
                for digest, tool in self.catalog.to_classify(server, tools[start : start + _CLASSIFY_CHUNK]):
                    classified[digest] = self.catalog.classify(server, tool)
                if len(tools) > _CLASSIFY_CHUNK:
                    await asyncio.sleep(0)
            if self.catalog.trusts(server) != trusted:  # a reload changed it meanwhile: classified anew in update
                classified = {}
            change = self.catalog.update(server, tools, self.clock(), classified=classified)
        if started >= self._listed.get(server, -1):
            self._listed[server] = started
        if change.auto_pinned:
            try:
                await self.store.save(change.auto_pinned)
            except PortcullisError as exc:
                log.error("cannot save first-use pins of %s: %s", server, exc)
        if change:
            self._report(change)
        return change

    async def listed(self, server: str, tools: list[dict[str, Any]], started: int) -> list[ListedTool]:
        """Take a listing read for an agent's ``tools/list``; return what agents may see of it."""
        await self.accept(server, tools, started)
        return self.catalog.listed_tools(server) or []

    def _report(self, change: CatalogChanges) -> None:
        for name in change.redefined:
            entry = self.catalog.entry(change.server, name)
            if entry is not None and entry.status == "changed":
                log.warning(
                    "tool '%s' of server '%s' changed since it was approved: calls to it are blocked and "
                    "agents are shown the approved definition until a person re-approves it "
                    "(portcullis tools diff %s__%s)",
                    name,
                    change.server,
                    change.server,
                    name,
                )
        waiting = (
            [
                name
                for name in change.added
                if (entry := self.catalog.entry(change.server, name)) is not None and entry.status == "new"
            ]
            if self.catalog.options.require_approval_of_new_tools
            else []
        )
        if waiting:
            shown = ", ".join(waiting[:10]) + (f" and {len(waiting) - 10} more" if len(waiting) > 10 else "")
            log.warning(
                "%d new tool(s) of server '%s' wait for approval and are not listed to agents until then: "
                "%s (portcullis tools diff, then portcullis tools approve %s__%s or --all)",
                len(waiting),
                change.server,
                shown,
                change.server,
                waiting[0],
            )
        if self.on_change is not None:
            self.on_change(change)
        if self.on_view_change is not None and (change.added or change.removed or change.redefined):
            if change.server in self._announced:
                self._announced.discard(change.server)  # agents were told by the upstream's own list_changed
            else:
                self.on_view_change(change.server)

    def unreadable(self, server: str, why: str) -> None:
        """A listing of ``server`` read for an agent failed (``why``): its calls are blocked, and it is read
        again at the next wake of ``run()``."""
        self.catalog.unreadable(server)
        self._failing.setdefault(server, why)

    def set_servers(self, servers: Iterable[str]) -> None:
        """The gateway's servers changed while running (config reload): refresh these from now on."""
        self.servers = list(servers)
        self._failing = {n: why for n, why in self._failing.items() if n in self.servers}

    def notify_list_changed(self, server: str, *, announced: bool = False) -> None:
        """An upstream said its tools changed (``announced``: and agents were told): refresh it soon, in the
        background."""
        if announced:
            self._announced.add(server)
        self._pending.add(server)
        self._generation[server] = self._generation.get(server, 0) + 1
        self._wake.set()

    def is_current(self, server: str) -> bool:
        """Whether the catalogue holds ``server``'s tools as listed after its latest ``list_changed``."""
        return self._listed.get(server, -1) == self._generation.get(server, 0)

    async def run(self) -> None:
        """Refresh on ``list_changed``, every ``refresh_interval`` and poll pins; runs until cancelled."""
        options = self.catalog.options
        last_full = self.clock()
        try:
            while True:
                waits = [w for w in (options.pin_poll_interval, options.refresh_interval) if w > 0]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=min(waits) if waits else None)
                self._wake.clear()
                pending, self._pending = self._pending, set()
                now = self.clock()
                if options.refresh_interval > 0 and now - last_full >= options.refresh_interval:
                    last_full = now
                    await self.refresh()
                elif pending:
                    await self.refresh(sorted(pending))
                else:
                    await self._reload_pins_logged()
                if self._failing and (self._retry is None or self._retry.done()):
                    self._retry = asyncio.create_task(self._retry_failing())
        finally:
            if self._retry is not None:
                self._retry.cancel()
