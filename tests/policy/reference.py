"""A naive reference evaluator, written from the README's rules and not from the compiled one.

It looks at every entry for every call with ``fnmatch``; the property test checks that the compiled
evaluator agrees with it on random policies and names.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any


def _glob(name: str, pattern: str) -> bool:
    return fnmatchcase(name, pattern.replace("[", "[[]"))


def _is_glob(text: str) -> bool:
    return "*" in text or "?" in text


def _prefix(text: str) -> int:
    cut = [i for i, c in enumerate(text) if c in "*?"]
    return cut[0] if cut else len(text)


def _entries(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """Every hide and tool entry as (server pattern or None, tool pattern, kind, location, order)."""
    out: list[dict[str, Any]] = []

    def add(key: str, block: str | None, kind: str, location: str) -> None:
        if block is not None:
            server: str | None = block
            tool = key[len(block) + 2 :] if key.startswith(block + "__") else key
        elif "__" in key and key.split("__", 1)[0]:
            server, tool = key.split("__", 1)
        else:
            server, tool = None, key
        out.append({"server": server, "tool": tool, "kind": kind, "location": location, "order": len(out)})

    for i, key in enumerate(policy.get("hide", [])):
        add(key, None, "hide", f"$.hide[{i}]")
    for key, rule in policy.get("tools", {}).items():
        add(key, None, rule.get("action", "allow"), f"$.tools[{key!r}]")
    for name, block in policy.get("servers", {}).items():
        for i, key in enumerate(block.get("hide", [])):
            add(key, name, "hide", f"$.servers.{name}.hide[{i}]")
        for key, rule in block.get("tools", {}).items():
            add(key, name, rule.get("action", "allow"), f"$.servers.{name}.tools[{key!r}]")
    return out


def _matches(entry: dict[str, Any], server: str, tool: str) -> bool:
    if entry["server"] is not None and not _glob(server, entry["server"]):
        return False
    return _glob(tool, entry["tool"])


def _specificity(entry: dict[str, Any]) -> tuple[int, int, int, int, int]:
    server, tool = entry["server"], entry["tool"]
    text = tool if server is None else f"{server}__{tool}"
    server_glob = server is not None and _is_glob(server)
    exact = not _is_glob(tool) and not server_glob
    scoped = server is not None and not server_glob
    literals = sum(1 for c in text if c not in "*?")
    return (int(exact), int(scoped), _prefix(text), literals, -entry["order"])


def reference_decide(policy: dict[str, Any], server: str, tool: str) -> tuple[str, str]:
    """(action, location of the deciding entry) — or the default."""
    found = [e for e in _entries(policy) if _matches(e, server, tool)]
    for kind in ("hide", "deny"):
        of_kind = [e for e in found if e["kind"] == kind]
        if of_kind:
            best = max(of_kind, key=_specificity)
            return kind, best["location"]
    if found:
        best = max(found, key=_specificity)
        return best["kind"], best["location"]
    return policy.get("default", "deny"), "$.default"
