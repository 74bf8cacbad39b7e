"""Which grant an OAuth caller gets: the first grant whose ``match:`` holds for the token's claims.

Pure. ``match`` maps a claim name to the values it may have (one value or a list: any of them).
A claim whose value is a list (``groups``, ``roles``) matches when one of its items is listed. A
listed value may be a glob (``*@example.com``). Every claim named in ``match`` must match; a grant
without ``match`` takes no OAuth caller (it is for agent keys).

An OAuth caller's grant is the configured grant with the caller's identity as its owner (the digest
of issuer and subject), so sessions stay with the person or client that opened them, while the name,
servers and policy — hence limits, approvals and the audit trail — are the grant's, as for a key.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from portcullis.config.model import GrantConfig

__all__ = ["claim_matches", "grant_for_claims", "oauth_owners", "owner_of"]

_GLOB = frozenset("*?[")


def _value_matches(actual: Any, wanted: str) -> bool:
    if isinstance(actual, bool) or actual is None:
        return False
    text = str(actual)
    if _GLOB.isdisjoint(wanted):
        return text == wanted
    return fnmatch.fnmatchcase(text, wanted)


def claim_matches(actual: Any, wanted: tuple[str, ...]) -> bool:
    """Whether a claim's value (a scalar, or a list of them) is one of ``wanted``."""
    items = actual if isinstance(actual, list) else [actual]
    return any(_value_matches(item, w) for item in items for w in wanted)


def owner_of(claims: dict[str, Any]) -> str:
    """A stable identity of the caller (issuer and subject, or client id), as sessions record owners."""
    who = f"oauth|{claims.get('iss', '')}|{claims.get('sub') or claims.get('client_id') or ''}"
    return hashlib.sha256(who.encode()).hexdigest()


def grant_for_claims(grants: Iterable[GrantConfig], claims: dict[str, Any]) -> GrantConfig | None:
    """The first grant whose ``match`` holds for ``claims``, owned by the caller; ``None`` when none does."""
    for grant in grants:
        if not grant.match:
            continue
        if all(claim_matches(claims.get(name), wanted) for name, wanted in grant.match):
            return replace(grant, key_sha256=owner_of(claims))
    return None


def oauth_owners(grants: Iterable[GrantConfig], sessions: Iterable[Any]) -> set[str]:
    """After the grants changed: the owners of OAuth callers' sessions whose grant still takes OAuth
    callers (each of their requests is matched again anyway; only keys' sessions are dropped wholesale)."""
    names = {g.name for g in grants if g.match}
    return {
        s.owner
        for s in sessions
        if s.owner is not None and s.grant is not None and s.grant.match and s.grant.name in names
    }
