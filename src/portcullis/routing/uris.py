"""Which server a resource URI belongs to, for the servers a grant reaches.

A URI belongs to the server that listed it (``resources/list``) or, failing that, whose listed
template (``resources/templates/list``) it matches, longest literal prefix first. Ownership is
learned from each server's complete listing (all pages) and replaced by its next one. Two servers
the same grant reaches listing the same URI (or the same template) is a conflict: the gateway cannot
know whose content the agent means, so it serves neither (``Ambiguous``) rather than one server's
content for another's URI. Only a gateway with a single server sends it URIs nobody listed.

Pure bookkeeping: the lister feeds it listings, the router asks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Ambiguous", "UriOwners"]


@dataclass(frozen=True)
class Ambiguous:
    """A URI that several reachable servers claim."""

    uri: str
    servers: tuple[str, ...]

    def message(self) -> str:
        servers = " and ".join(f"'{s}'" for s in self.servers)
        return (
            f"resource {self.uri} is listed by servers {servers}; the gateway does not guess whose content "
            "to serve: ask the operator to give this key only one of them (grants: servers), or to rename "
            "the resource on one server"
        )


def _prefix(template: str) -> str:
    return template.split("{", 1)[0]


class UriOwners:
    """Resource URIs and URI templates per server, from each server's latest complete listing."""

    def __init__(self, servers: Sequence[str]) -> None:
        self.servers = tuple(servers)
        self._uris: dict[str, frozenset[str]] = {}
        self._templates: dict[str, tuple[str, ...]] = {}
        self._stale: set[str] = set()

    def learn_resources(self, server: str, uris: Iterable[str]) -> None:
        self._uris[server] = frozenset(uris)
        self._stale.discard(server)

    def learn_templates(self, server: str, templates: Iterable[str]) -> None:
        self._templates[server] = tuple(dict.fromkeys(templates))

    def stale(self, server: str) -> None:
        """``server`` said its resources changed: what it listed still counts until it is read again."""
        self._stale.add(server)

    def knows_all(self, servers: Iterable[str]) -> bool:
        """Whether a complete, current listing of resources and templates is in for each of ``servers``."""
        return all(s in self._uris and s in self._templates and s not in self._stale for s in servers)

    def owner(self, uri: str, reachable: Sequence[str]) -> str | Ambiguous | None:
        """The server among ``reachable`` that owns ``uri``; ``Ambiguous`` when several claim it; None if none."""
        listed = tuple(s for s in reachable if uri in self._uris.get(s, ()))
        if len(listed) == 1:
            return listed[0]
        if listed:
            return Ambiguous(uri, listed)
        best = -1
        matched: list[str] = []
        for server in reachable:
            for template in self._templates.get(server, ()):
                prefix = _prefix(template)
                if not (prefix and (uri.startswith(prefix) or uri == template)):
                    continue
                if len(prefix) > best:
                    best, matched = len(prefix), [server]
                elif len(prefix) == best and server not in matched:
                    matched.append(server)
        if len(matched) == 1:
            return matched[0]
        if matched:
            return Ambiguous(uri, tuple(matched))
        if len(self.servers) == 1 and tuple(reachable) == self.servers:
            return self.servers[0]  # nobody else can own it
        return None
