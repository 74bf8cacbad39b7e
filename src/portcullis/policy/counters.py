"""Which rate-limit counter a call takes: the key of a policy's limit for a grant (and session), and every
counter a grant's calls can take under a policy, for reading their use (the console's grants page).

A key names the counter, its scope and its window (``calls|grant:alice|60.0``); names are escaped so they
cannot break the key's syntax. Pure: no store, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portcullis.limits.model import LimitRequest, Scope
from portcullis.policy.model import LimitSpec, PolicyModel

__all__ = ["ANONYMOUS", "LimitTemplate", "escape_key", "grant_counters"]

ANONYMOUS = "-"  # the grant name of a call without one (a loopback gateway without grants)
_CACHE_SIZE = 65536


def escape_key(text: str) -> str:
    """Keep names from breaking key syntax (``|`` separates, ``{}`` are Redis hash-tag braces)."""
    if not any(c in text for c in "%|{}"):
        return text
    return text.replace("%", "%25").replace("|", "%7C").replace("{", "%7B").replace("}", "%7D")


@dataclass(frozen=True, slots=True)
class LimitTemplate:
    """One limit of a rule, ready to make the ``LimitRequest`` of a grant, session and cost."""

    spec: LimitSpec
    counter_key: str  # escaped counter name
    window_key: str
    made: dict[tuple[str, str, float], LimitRequest] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, spec: LimitSpec) -> LimitTemplate:
        return cls(spec, escape_key(spec.counter), "day" if spec.aligned else repr(spec.window))

    def request(self, grant: str, session: str, cost: float) -> LimitRequest:
        """The request for this grant/session/cost (remembered: the same few recur on every call; the names
        are escaped only when a request is made)."""
        key = (grant, session if self.spec.scope == "session" else "", cost)
        found = self.made.get(key)
        if found is None:
            if len(self.made) >= _CACHE_SIZE:
                self.made.clear()
            found = self.made[key] = self._build(grant, session, cost)
        return found

    def _build(self, grant: str, session: str, cost: float) -> LimitRequest:
        s = self.spec
        grant_key = escape_key(grant)
        scope: Scope = s.scope
        if scope == "grant":
            scope_id, key = grant, f"{self.counter_key}|grant:{grant_key}|{self.window_key}"
            tag = f"g:{grant_key}"
        elif scope == "session":
            scope_id, key = session, f"{self.counter_key}|session:{grant_key}:{escape_key(session)}|{self.window_key}"
            tag = f"g:{grant_key}"
        else:
            scope_id, key, tag = "*", f"{self.counter_key}|global|{self.window_key}", "global"
        return LimitRequest(
            key, tag, s.counter, scope, scope_id, s.window, s.aligned, s.max, cost, s.location, s.window_label
        )


def grant_counters(model: PolicyModel, grant: str | None) -> tuple[LimitRequest, ...]:
    """The counters a grant's calls take under this policy (its own and the global ones), one per counter and
    maximum, in the policy's order. Session-scoped limits count per session, so none is listed for a grant;
    denying rules take no counter. Each request costs 1 (what a peek needs; a call's real cost may differ)."""
    specs = [s for r in model.rules if r.action != "deny" for s in r.limits]
    specs += list(model.all_tools.limits) if model.all_tools is not None else []
    name = grant if grant is not None else ANONYMOUS
    seen: dict[tuple[str, float], LimitRequest] = {}
    for spec in specs:
        if spec.scope == "session":
            continue
        request = LimitTemplate.of(spec).request(name, "", 1.0)
        seen.setdefault((request.key, request.max), request)
    return tuple(seen.values())
