"""Step 4, pins: is the tool's definition still the one a person approved (rug-pull pinning, ``catalog``)?

A changed, new-and-unapproved or unlisted tool, or any tool of a server whose listing could not be
read, is refused with rule ``catalog.pin``; each block is
counted, and a rug pull (a changed definition) is logged once per changed definition.
"""

from __future__ import annotations

import logging
from typing import Any

from portcullis.catalog.catalog import Catalog
from portcullis.metrics import Metrics
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.policy import Decision, denial_result

__all__ = ["PinCheck", "denied"]

log = logging.getLogger("portcullis.gateway")


def denied(call: CallInfo, rule: str, reason: str, hint: str) -> dict[str, Any]:
    """The tool result of a call the gateway refuses under ``rule``."""
    return denial_result(Decision(action="deny", rule=rule, reason=reason, hint=hint, tool=call.exposed))


class PinCheck:
    """Refuses calls to tools whose definition is not the approved one."""

    def __init__(self, catalog: Catalog | None, metrics: Metrics | None) -> None:
        self.catalog = catalog
        self.metrics = metrics
        self._rug_pulls_logged: set[tuple[tuple[str, str], str]] = set()  # (tool key, definition hash)

    def check(self, call: CallInfo, named_by_policy: bool) -> Admission | None:
        """The refusal of a call to a blocked tool; ``None`` when the definition is the approved one."""
        if self.catalog is None:
            return None
        blocked = self.catalog.blocked_reason(call.server, call.tool, listed_by_policy=named_by_policy)
        if blocked is None:
            return None
        self._count(call, blocked)
        hint = "ask an operator to review the tool"
        return Admission("deny", "catalog.pin", blocked, denied(call, "catalog.pin", blocked, hint))

    def _count(self, call: CallInfo, reason: str) -> None:
        """Count a call the catalogue blocked; log a rug-pull block once per changed definition."""
        entry = self.catalog.entry(call.server, call.tool) if self.catalog is not None else None
        status: str = entry.status if entry is not None else "unlisted"
        if self.catalog is not None and self.catalog.is_unreadable(call.server):
            status = "unreadable"
        if self.metrics is not None:
            self.metrics.pin_blocked(call.server, call.tool if entry is not None else "<unknown>", status)
        if entry is not None and status == "changed" and (entry.key, entry.hash) not in self._rug_pulls_logged:
            self._rug_pulls_logged.add((entry.key, entry.hash))
            log.warning(
                "blocked a call to %s (grant %s): %s",
                call.exposed,
                call.client.grant.name if call.client.grant else "-",
                reason,
            )
