"""The data flow of sessions in Redis, so that every gateway replica sharing the store sees it.

One hash per session (``<prefix>{g:<grant>}:flow:<session>``, hash-tagged like the grant's counters):
field = tag, value = ``"<time> <tool>"`` of the first call that read it (the first stays). It expires
a day after the session last added to it. It costs no round trip of its own: the hash is the call's
``Marks`` in the rate limits' script (``limits.redis_scripts``), which, in one step, stops the call
when a session rule watching its tool has all its ``after`` tags read (the answer is the hash: which
earlier calls read them), else takes the call's limits and records the tags some rule waits for.
Only a call the policy itself holds for a person reads the hash first (``seen``), so that a session
rule's denial is not put to a person.
"""

from __future__ import annotations

from collections.abc import Collection

from portcullis.limits.model import MarkingStore, Marks, Stopped
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import ToolCall
from portcullis.policy.flow import SessionRuleSpec

__all__ = ["FlowStore", "parse_seen"]

_Rules = tuple[SessionRuleSpec, ...]


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("{", "%7B").replace("}", "%7D").replace(":", "%3A")


def parse_seen(seen: dict[str, str]) -> dict[str, tuple[str, float]]:
    """The hash's ``tag → "<time> <tool>"`` as ``tag → (tool, time)``."""
    out = {}
    for tag, value in seen.items():
        when, _, tool = value.partition(" ")
        out[tag] = (tool, float(when))
    return out


class FlowStore:
    """Sessions' data flow as ``Marks`` in a shared counter store (Redis)."""

    def __init__(self, store: MarkingStore, prefix: str) -> None:
        self.store = store
        self.prefix = prefix
        self._specs: dict[tuple[int, tuple[str, ...]], tuple[_Rules, tuple[tuple[str, ...], ...], tuple[str, ...]]] = {}

    def key(self, call: ToolCall) -> str:
        grant = _escape(call.grant if call.grant is not None else "-")
        return f"{self.prefix}{{g:{grant}}}:flow:{_escape(call.session)}"

    def _spec(self, rules: _Rules, tags: Collection[str]) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
        """(stop groups: the ``after`` tags of each rule watching a tool of ``tags``; the tags some rule waits for)."""
        key = (id(rules), tuple(tags))
        found = self._specs.get(key)
        if found is None or found[0] is not rules:
            if len(self._specs) >= 4096:
                self._specs.clear()
            stop = tuple(r.after for r in rules if r.then in tags)
            add = tuple(t for t in tags if any(t in r.after for r in rules))
            found = self._specs[key] = (rules, stop, add)
        return found[1], found[2]

    def watches(self, policy: CompiledPolicy, tags: Collection[str]) -> bool:
        """Whether a session rule of ``policy`` watches a tool tagged ``tags``."""
        return bool(tags) and bool(self._spec(policy.session_rules, tags)[0])

    def marks(self, policy: CompiledPolicy, call: ToolCall, tags: Collection[str], now: float) -> Marks | None:
        """The call's marks: the rules that may stop it, the tags it records once it goes ahead (None: neither)."""
        if not tags or not policy.session_rules:
            return None
        stop, add = self._spec(policy.session_rules, tags)
        if not stop and not add:
            return None
        return Marks(self.key(call), stop, add, f"{now!r} {call.name}" if add else "")

    async def seen(self, policy: CompiledPolicy, call: ToolCall, tags: Collection[str]) -> dict[str, tuple[str, float]]:
        """The tags the session has read, when a rule watching the call has them all (else ``{}``): one round
        trip, for a call the policy holds for a person. Raises ``StoreUnavailable``."""
        stop, _ = self._spec(policy.session_rules, tags)
        got = await self.store.acquire_marked((), 0.0, Marks(self.key(call), stop))
        return parse_seen(got.seen) if isinstance(got, Stopped) else {}
