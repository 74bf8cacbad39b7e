"""What a policy says about sessions: loop rules, data-flow tags, session rules (plain data, parsed by ``parse``).

- ``LoopSpec`` (``loop:`` in a tool entry or ``all_tools``): deny a call identical (same tool, same
  canonical arguments) to the last ``identical`` calls of its session within ``window`` seconds, and,
  optionally, a tool called more than ``in_a_row`` times in a row without another tool in between.
- Data-flow tags (``FLOW_TAGS``): ``private_data`` (reads what only this user may see),
  ``untrusted_content`` (reads what others can write), ``external_comm`` (sends data out). A tool entry's
  ``tags:`` sets a tool's tags (replacing what the classifier proposed; ``[]`` clears them).
- ``SessionRuleSpec`` (an entry of ``sessions:``): once a session has read every tag of ``after``, a call
  to a tool tagged ``then`` gets ``action`` (``require_approval`` or ``deny``) for the rest of the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["FLOW_TAGS", "LoopSpec", "SessionRuleSpec"]

FLOW_TAGS: Final = ("private_data", "untrusted_content", "external_comm")


@dataclass(frozen=True)
class LoopSpec:
    identical: int  # N: the (N+1)th identical call in a row is denied
    window: float  # seconds: only calls this recent count
    in_a_row: int | None  # M: the (M+1)th call in a row to the same tool is denied
    location: str


@dataclass(frozen=True)
class SessionRuleSpec:
    name: str
    after: tuple[str, ...]
    then: str
    action: Literal["deny", "require_approval"]
    reason: str | None
    location: str
