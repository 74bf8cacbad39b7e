"""Step 2, hidden: whether a client may see a tool at all (also what ``tools/list`` leaves out).

A tool is hidden when its server is out of the grant's reach, when the grant's policy hides it, or
when it is unknown: not in its server's current listing. A hidden tool is answered as unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from portcullis.catalog.catalog import Catalog
from portcullis.pipeline.policies import PolicySet
from portcullis.policy import ToolCall, grant_reaches
from portcullis.sessions.client import ClientSession

__all__ = ["Visibility"]


class Visibility:
    """Hidden tools, and tools a client's policy names (a new one of those is listed before approval)."""

    def __init__(
        self, policies: PolicySet, catalog: Catalog | None, listing_is_current: Callable[[str], bool] | None
    ) -> None:
        self.policies = policies
        self.catalog = catalog
        # Whether the catalogue holds a server's tools as listed after its latest list_changed; only
        # then can a tool missing from it be called unknown (else it may be new: the pin check says so).
        self.listing_is_current = listing_is_current

    def hidden(self, client: ClientSession, server: str, tool: str) -> bool:
        """Hidden by policy or out of the grant's reach — or unknown: not in its server's current listing."""
        grant = client.grant
        if grant is not None and not grant_reaches(grant, server):
            return True
        if self.policies.for_grant(grant).is_hidden(server, tool):
            return True
        current = self.listing_is_current
        return (
            current is not None
            and self.catalog is not None
            and current(server)
            and self.catalog.listing_has(server, tool) is False
        )

    def listed_by_policy(self, client: ClientSession, server: str, tool: str) -> bool:
        """Whether the client's policy names the tool (not only its default): then a new tool is callable."""
        decision = self.policies.for_grant(client.grant).decide(
            ToolCall(server, tool, {}, client.grant.name if client.grant else None, "")
        )
        return not decision.rule.startswith(("$.default", "no-policy"))
