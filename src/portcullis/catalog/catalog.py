"""The ``Catalog`` a gateway holds: every tool of every upstream, classified, and whether it may be called.

Pure and synchronous: the gateway feeds it tool lists (``update``) and pins (``set_pins``), persists
the pins it returns, and asks ``blocked_reason`` on every call (a dict lookup). A tool is blocked when

- its definition differs from the approved (pinned) one: it changed since a person approved it; or
- it has no pin and ``catalog.require_approval_of_new_tools`` is true (the default), unless the
  caller says the policy lists the tool explicitly (``listed_by_policy``); or
- it is not in the catalogue at all (its server has not listed it, or was never listed); or
- its server's latest listing could not be read (``unreadable``: a malformed listing, an error, no
  answer): what the server offers now cannot be compared with what was approved, so none of its tools
  is callable until a listing reads correctly (else an upstream could hide a rug pull behind a broken
  listing and be judged by the definitions it showed before).

What agents are shown of each tool (``listed_tools``) follows the same rule (see ``views``): approved
tools as listed, changed ones as approved, new ones not at all until approved (or without their text
where the policy names them).

Trust on first use: the first time a server is catalogued while the pin store holds no pin of that
server, its tools are pinned as they are (``CatalogChanges.auto_pinned``; switch off with
``catalog: {trust_on_first_use: false}``). ``portcullis init`` pins everything explicitly; tools that
appear later wait for ``portcullis tools approve``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from portcullis._plumbing.durations import parse_duration
from portcullis._plumbing.sections import unknown_keys
from portcullis.catalog.classify import Classification, Signal, classify_tool
from portcullis.catalog.pins import FieldChange, Pin, PinKey, definition_hash, diff_definitions
from portcullis.catalog.views import ListedTool, approved_view
from portcullis.errors import ConfigError, Problem

__all__ = ["Catalog", "CatalogChanges", "CatalogEntry", "CatalogOptions", "PinStatus"]

PinStatus = Literal["approved", "changed", "new"]


@dataclass(frozen=True)
class CatalogOptions:
    """The ``catalog:`` section of the config."""

    require_approval_of_new_tools: bool = True
    trust_on_first_use: bool = True
    refresh_interval: float = 300.0  # seconds between full re-reads of every server's tools; 0 = never
    pin_poll_interval: float = 5.0  # seconds between re-reads of the pin store (approvals from the CLI)
    pins_file: str | None = None  # see pins.py

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], file: str = "portcullis.yaml") -> CatalogOptions:
        """Validate the ``catalog`` map; raise ``ConfigError`` listing every problem."""
        known = {
            "require_approval_of_new_tools",
            "trust_on_first_use",
            "refresh_interval",
            "pin_poll_interval",
            "pins_file",
        }
        problems = [Problem(file, path, message) for path, message in unknown_keys(raw, sorted(known), "$.catalog")]
        values: dict[str, Any] = {}
        for key in ("require_approval_of_new_tools", "trust_on_first_use"):
            if key in raw:
                if not isinstance(raw[key], bool):
                    problems.append(Problem(file, f"$.catalog.{key}", "must be true or false"))
                else:
                    values[key] = raw[key]
        for key in ("refresh_interval", "pin_poll_interval"):
            if key in raw:
                try:
                    values[key] = parse_duration(raw[key])  # 0 means never
                except ValueError as exc:
                    problems.append(Problem(file, f"$.catalog.{key}", f"{exc}; 0 means never"))
        if "pins_file" in raw:
            if not isinstance(raw["pins_file"], str) or not raw["pins_file"]:
                problems.append(Problem(file, "$.catalog.pins_file", "must be a file path or ':memory:'"))
            else:
                values["pins_file"] = raw["pins_file"]
        if problems:
            raise ConfigError(problems)
        return cls(**values)


@dataclass(frozen=True)
class CatalogEntry:
    """One tool of one server as the catalogue sees it."""

    server: str
    tool: dict[str, Any]
    classification: Classification
    hash: str
    status: PinStatus
    pin: Pin | None = None

    @property
    def name(self) -> str:
        return self.classification.name

    @property
    def key(self) -> PinKey:
        return (self.server, self.name)

    def changes(self) -> list[FieldChange]:
        """What differs from the approved definition (empty unless ``status == "changed"``)."""
        if self.pin is None or self.status != "changed":
            return []
        return diff_definitions(self.pin.definition, self.tool)

    def as_json(self) -> dict[str, Any]:
        return self.classification.as_json(self.server)


@dataclass(frozen=True)
class CatalogChanges:
    """What one ``update`` found for one server."""

    server: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    redefined: tuple[str, ...] = ()  # the definition differs from the previous listing
    auto_pinned: tuple[Pin, ...] = ()  # trust on first use: persist these

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.redefined or self.auto_pinned)


@dataclass
class _Server:
    trusted: bool
    entries: dict[str, CatalogEntry] = field(default_factory=dict)

    def kept(self, name: str, digest: str, trusted: bool) -> Classification | None:
        """``name``'s classification, if its definition (``digest``) and the server's trust are as last listed."""
        before = self.entries.get(name)
        if before is not None and before.hash == digest and self.trusted == trusted:
            return before.classification
        return None


class Catalog:
    """Every tool of every upstream, classified, with its pin status."""

    def __init__(
        self,
        *,
        trusted: Iterable[str] = (),
        options: CatalogOptions | None = None,
        pins: Mapping[PinKey, Pin] | None = None,
    ) -> None:
        self.options = options or CatalogOptions()
        self._trusted = set(trusted)
        self._servers: dict[str, _Server] = {}
        self._pins: dict[PinKey, Pin] = dict(pins or {})
        self._collisions: dict[str, tuple[str, ...]] = {}
        self._unreadable: set[str] = set()  # servers whose latest listing could not be read

    # -- feeding ---------------------------------------------------------------------------

    def set_pins(self, pins: Mapping[PinKey, Pin]) -> list[str]:
        """Replace the known pins (as re-read from the pin store) and recompute every tool's status.

        Returns the servers of which some tool's status changed (what agents are shown of it changes).
        """
        if pins == self._pins:
            return []
        self._pins = dict(pins)
        touched: list[str] = []
        for server_name, server in self._servers.items():
            for name, entry in server.entries.items():
                fresh = self._entry(entry.server, entry.tool, entry.classification, entry.hash)
                server.entries[name] = fresh
                changed = fresh.status != entry.status or fresh.pin != entry.pin
                if changed and server_name not in touched:
                    touched.append(server_name)
        return touched

    def to_classify(self, server: str, tools: Iterable[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
        """The definitions among ``tools`` that ``update`` would classify (new or changed since the last listing),
        each with its digest: a caller that must not block for long classifies them ahead, a few at a time, and
        hands them to ``update`` (``classified``)."""
        old = self._servers.get(server) or _Server(server in self._trusted)
        is_trusted = server in self._trusted
        out: list[tuple[str, Mapping[str, Any]]] = []
        for tool in tools:
            name = tool.get("name")
            if not isinstance(name, str) or not name:
                continue
            digest = definition_hash(tool)
            if old.kept(name, digest, is_trusted) is None:
                out.append((digest, tool))
        return out

    def classify(self, server: str, tool: Mapping[str, Any]) -> Classification:
        """``tool`` classified as ``update`` would classify it for ``server`` now."""
        return classify_tool(tool, trusted=server in self._trusted)

    def trusts(self, server: str) -> bool:
        """Whether ``server``'s annotations may lower risk now."""
        return server in self._trusted

    def update(
        self,
        server: str,
        tools: Iterable[Mapping[str, Any]],
        now: float,
        trusted: bool | None = None,
        classified: Mapping[str, Classification] | None = None,
    ) -> CatalogChanges:
        """Replace ``server``'s tool list, reclassifying only definitions that changed; say what changed.
        ``classified``: definitions classified ahead (``to_classify``), by digest."""
        is_trusted = trusted if trusted is not None else server in self._trusted
        if trusted is not None:
            (self._trusted.add if trusted else self._trusted.discard)(server)
        first_sight = server not in self._servers
        old = self._servers.get(server) or _Server(is_trusted)
        fresh = _Server(is_trusted)
        added: list[str] = []
        redefined: list[str] = []
        for tool in tools:
            name = tool.get("name")
            if not isinstance(name, str) or not name or name in fresh.entries:
                continue
            digest = definition_hash(tool)
            before = old.entries.get(name)
            classification = old.kept(name, digest, is_trusted)
            if classification is None:
                ahead = classified.get(digest) if classified is not None and trusted is None else None
                classification = ahead if ahead is not None else classify_tool(tool, trusted=is_trusted)
            if before is None:
                added.append(name)
            elif before.hash != digest:
                redefined.append(name)
            fresh.entries[name] = self._entry(server, dict(tool), classification, digest)
        removed = sorted(set(old.entries) - set(fresh.entries))
        self._servers[server] = fresh
        self._unreadable.discard(server)
        auto: list[Pin] = []
        if first_sight and self.options.trust_on_first_use and not any(k[0] == server for k in self._pins):
            auto = [Pin.of(server, e.tool, now, "trust-on-first-use") for e in fresh.entries.values()]
            self._pin(auto)
        self._recount_collisions()
        return CatalogChanges(server, tuple(added), tuple(removed), tuple(redefined), tuple(auto))

    def set_trusted(self, server: str, trusted: bool) -> None:
        """Whether ``server``'s annotations may lower risk (its tools are reclassified at the next update)."""
        (self._trusted.add if trusted else self._trusted.discard)(server)

    def unreadable(self, server: str) -> None:
        """``server``'s latest listing could not be read: its tools are blocked until ``update`` has one."""
        self._unreadable.add(server)

    def is_unreadable(self, server: str) -> bool:
        return server in self._unreadable

    def remove_server(self, server: str) -> None:
        self._servers.pop(server, None)
        self._unreadable.discard(server)
        self._recount_collisions()

    def approve(self, keys: Iterable[PinKey] | None, now: float, by: str) -> list[Pin]:
        """Pin the current definition of these tools (all when ``keys`` is None); return the new pins."""
        wanted = None if keys is None else set(keys)
        pins = [
            Pin.of(e.server, e.tool, now, by)
            for s in self._servers.values()
            for e in s.entries.values()
            if (wanted is None or e.key in wanted) and e.status != "approved"
        ]
        self._pin(pins)
        return pins

    def _pin(self, pins: list[Pin]) -> None:
        for pin in pins:
            self._pins[pin.key] = pin
            server = self._servers.get(pin.server)
            entry = server.entries.get(pin.tool) if server else None
            if server is not None and entry is not None:
                server.entries[pin.tool] = self._entry(entry.server, entry.tool, entry.classification, entry.hash)

    def _entry(self, server: str, tool: dict[str, Any], classification: Classification, digest: str) -> CatalogEntry:
        pin = self._pins.get((server, classification.name))
        status: PinStatus = "new" if pin is None else ("approved" if pin.hash == digest else "changed")
        return CatalogEntry(server, tool, classification, digest, status, pin)

    def _recount_collisions(self) -> None:
        owners: dict[str, list[str]] = {}
        for server_name, server in self._servers.items():
            for name in server.entries:
                owners.setdefault(name, []).append(server_name)
        self._collisions = {n: tuple(sorted(s)) for n, s in owners.items() if len(s) > 1}

    # -- asking ----------------------------------------------------------------------------

    def blocked_reason(self, server: str, tool: str, *, listed_by_policy: bool = False) -> str | None:
        """Why ``tool`` of ``server`` may not be called now, or None when pinning does not block it."""
        entries = self._servers.get(server)
        key = f"{server}__{tool}"
        if server in self._unreadable:  # whatever the policy says: the definition cannot be checked
            return (
                f"the tool list of server '{server}' did not read correctly the last time it was read (the "
                "gateway's log says why), so its tools cannot be checked against their approved definitions; "
                "calls to them are refused until it lists its tools correctly; retry shortly"
            )
        # A tool the catalogue has not seen listed is never called, whatever the policy names: its definition
        # is unknown (no pin, no schema to check), and the name may be a variant of a listed one (case,
        # invisible characters) that only the upstream would take for it. A new tool is catalogued by the
        # re-read its server's list_changed starts, or by the agent's own tools/list.
        if entries is None:  # its listing was never read (or never read correctly): nothing is known of it
            return (
                f"the tools of server '{server}' are not in the catalogue yet (its tool list has not been "
                "read, or did not read correctly: the gateway's log says why); retry shortly"
            )
        entry = entries.entries.get(tool)
        if entry is None:
            then = " and approved" if self.options.require_approval_of_new_tools and not listed_by_policy else ""
            return (
                f"tool '{tool}' of server '{server}' is not in the catalogue yet (its server has not listed it); "
                f"it is callable once listed{then} — retry shortly if it was just added"
                + (f" (portcullis tools approve {key})" if then else "")
            )
        if entry.status == "changed":
            fields = ", ".join(sorted({c.path.split(".")[0] for c in entry.changes()})) or "definition"
            return (
                f"the definition of tool '{tool}' on server '{server}' changed since it was approved "
                f"({fields}); it is blocked until a person re-approves it "
                f"(portcullis tools diff {key}, then portcullis tools approve {key})"
            )
        if entry.status == "new" and self.options.require_approval_of_new_tools and not listed_by_policy:
            return (
                f"tool '{tool}' of server '{server}' is new and not approved yet; ask an operator to review "
                f"it (portcullis tools show {key}, then portcullis tools approve {key})"
            )
        return None

    def listing_has(self, server: str, tool: str) -> bool | None:
        """Whether ``server``'s last listing has ``tool`` (None: the server was never listed)."""
        known = self._servers.get(server)
        return None if known is None else tool in known.entries

    def listed_tools(self, server: str) -> list[ListedTool] | None:
        """``server``'s current listing, in its order, as agents may see it (``views``); None: never listed."""
        known = self._servers.get(server)
        if known is None:
            return None
        hold_new = self.options.require_approval_of_new_tools
        out: list[ListedTool] = []
        for name, entry in known.entries.items():
            if entry.status == "changed":
                out.append(ListedTool(name, approved_view(entry.tool, entry.pin)))
            else:
                out.append(ListedTool(name, entry.tool, entry.status == "new" and hold_new))
        return out

    def entries(self) -> list[CatalogEntry]:
        """Every tool, sorted by server then name, with ``name-collision`` signals added."""
        out: list[CatalogEntry] = []
        for server_name in sorted(self._servers):
            for name in sorted(self._servers[server_name].entries):
                out.append(self._with_collision(self._servers[server_name].entries[name]))
        return out

    def entry(self, server: str, tool: str) -> CatalogEntry | None:
        server_entries = self._servers.get(server)
        entry = server_entries.entries.get(tool) if server_entries else None
        return self._with_collision(entry) if entry is not None else None

    def find(self, name: str) -> list[CatalogEntry]:
        """Entries named ``<server>__<tool>`` or, failing that, ``<tool>`` on any server."""
        server, sep, tool = name.partition("__")
        if sep:
            exact = self.entry(server, tool)
            if exact is not None:
                return [exact]
        return [e for e in self.entries() if e.name == name]

    @property
    def pins(self) -> dict[PinKey, Pin]:
        return dict(self._pins)

    def _with_collision(self, entry: CatalogEntry) -> CatalogEntry:
        servers = self._collisions.get(entry.name)
        if not servers:
            return entry
        others = [s for s in servers if s != entry.server]
        signal = Signal("name-collision", f"a tool named '{entry.name}' is also on server(s) {', '.join(others)}")
        return CatalogEntry(
            entry.server, entry.tool, entry.classification.with_signal(signal), entry.hash, entry.status, entry.pin
        )
