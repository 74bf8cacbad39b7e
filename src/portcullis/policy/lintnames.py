"""``policy check``: an entry whose key names no tool the gateway has decides nothing.

A misspelt key (``filesystem__delete_fil``, ``githb__*``) matches no call: under ``default: deny`` the
tool it meant is denied by default (not what the entry said: held for approval, limited, …); under
``default: allow`` a misspelt ``deny`` or ``hide`` lets the tool it meant through. So ``policy check``
warns about every key (of ``tools``, of ``servers.<name>.tools`` and of ``hide``) that names

- a server the config does not have (the config's servers are known: ``-c``), or
- a tool its server does not have, when that server's tools are known (the approved tools of the
  config's pin store): a server with no approved tools is taken on trust.

Pure: the servers and tool definitions are passed in.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from portcullis.policy.glob import Selector, glob_matches, has_glob
from portcullis.policy.lint import PolicyWarning
from portcullis.policy.model import PolicyModel

__all__ = ["unknown_name_warnings"]

ToolKey = tuple[str, str]  # (server, tool)
_NEW = "; a tool added since the last approval is not known here until 'portcullis tools approve'"


def _entries(model: PolicyModel) -> Iterable[tuple[Selector, str, bool]]:
    """Each key's selector, its location, and whether a miss would let a tool through under default allow."""
    for rule in model.rules:
        yield rule.selector, rule.location, rule.action != "allow" or bool(rule.deny_if or rule.limits or rule.require)
    for hide in model.hides:
        yield hide.selector, hide.location, True


def _why(selector: Selector, servers: Collection[str] | None, tools: Mapping[str, set[str]]) -> str | None:
    """Why ``selector`` names nothing, or None when it names something (or cannot be judged)."""
    server = selector.server
    known = sorted(servers) if servers is not None else sorted(tools)
    if server is None:
        reached = set(known)
    elif has_glob(server):
        reached = {s for s in known if glob_matches(server, s)}
        if servers is not None and not reached:
            return f"no server of the config matches '{server}' (its servers: {', '.join(known) or 'none'})"
    elif servers is not None and server not in servers:
        close = difflib.get_close_matches(server, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"the config has no server '{server}'{hint}; its servers: {', '.join(known) or 'none'}"
    else:
        reached = {server}
    if not reached or any(s not in tools for s in reached):
        return None  # a server whose tools are not known here (none approved yet) is taken on trust
    if any(glob_matches(selector.tool, tool) for s in reached for tool in tools[s]):
        return None
    if server is not None and not has_glob(server):
        close = difflib.get_close_matches(selector.tool, sorted(tools[server]), n=3)
        hint = f" (did you mean {', '.join(f'{server}__{c}' for c in close)}?)" if close else ""
        return f"server '{server}' has no approved tool '{selector.tool}'{hint}{_NEW}"
    return f"'{selector.text}' matches none of the approved tools{_NEW}"


def unknown_name_warnings(
    model: PolicyModel,
    servers: Collection[str] | None,
    tools: Mapping[ToolKey, Mapping[str, Any]] | None,
) -> list[PolicyWarning]:
    """A warning for each key that names no server of ``servers`` (None: not known) or no tool of the
    approved ``tools`` (None: not known; a server without any is taken on trust)."""
    by_server: dict[str, set[str]] = {}
    for server, tool in tools or {}:
        by_server.setdefault(server, set()).add(tool)
    out: list[PolicyWarning] = []
    for selector, location, restricts in _entries(model):
        why = _why(selector, servers, by_server)
        if why is None:
            continue
        effect = (
            "; with 'default: allow' the tool it meant is let through" if restricts and model.default == "allow" else ""
        )
        out.append(
            PolicyWarning(
                location,
                f"this entry matches no tool: {why}{effect}. Fix the name: tools are <server>__<tool>, as "
                "'portcullis tools' lists them",
            )
        )
    return out
