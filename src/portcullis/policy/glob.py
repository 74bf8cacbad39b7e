"""Tool-name patterns: ``*`` (any run of characters) and ``?`` (one character); everything else literal.

A policy key names tools by ``<server>__<tool>``. ``Selector`` is a key once understood: the server it
is scoped to (a literal name, a glob, or any server), the tool pattern, and how specific it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Selector", "glob_matches", "glob_regex", "has_glob", "literal_prefix", "selector_for_key"]

_GLOB = re.compile(r"[*?]")


def has_glob(pattern: str) -> bool:
    return _GLOB.search(pattern) is not None


def literal_prefix(pattern: str) -> int:
    """How many characters come before the first ``*`` or ``?``."""
    m = _GLOB.search(pattern)
    return len(pattern) if m is None else m.start()


def glob_regex(pattern: str) -> str:
    """The regular expression (no groups, to be full-matched with DOTALL) for a glob."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def glob_matches(pattern: str, name: str) -> bool:
    """Whether the glob ``pattern`` names all of ``name``."""
    return re.fullmatch(glob_regex(pattern), name, re.DOTALL) is not None


@dataclass(frozen=True, slots=True)
class Selector:
    """Which tools a key names: ``server`` None means any server."""

    server: str | None
    tool: str

    @property
    def server_is_glob(self) -> bool:
        return self.server is not None and has_glob(self.server)

    @property
    def exact(self) -> bool:
        """No glob anywhere (an unprefixed exact key is exact too: it names one tool name)."""
        return not has_glob(self.tool) and not self.server_is_glob

    @property
    def server_scoped(self) -> bool:
        return self.server is not None and not self.server_is_glob

    @property
    def text(self) -> str:
        return self.tool if self.server is None else f"{self.server}__{self.tool}"

    def rank(self) -> tuple[int, int, int, int]:
        """Higher is more specific: exact, then server-scoped, then longer literal prefix, then more literals."""
        text = self.text
        literals = len(text) - len(_GLOB.findall(text))
        return (int(self.exact), int(self.server_scoped), literal_prefix(text), literals)


def selector_for_key(key: str, block_server: str | None = None) -> Selector:
    """Understand a key of ``tools`` (``block_server`` None) or of ``servers.<name>.tools``/``hide``.

    At the top level a key with ``__`` is ``<server pattern>__<tool pattern>`` split at its first ``__``;
    a key without ``__`` is a tool pattern for every server. Inside a server's block the key is a tool
    pattern for that server, and may repeat the ``<server>__`` prefix.
    """
    if block_server is not None:
        prefix = f"{block_server}__"
        return Selector(block_server, key[len(prefix) :] if key.startswith(prefix) else key)
    if "__" in key:
        server, tool = key.split("__", 1)
        if server:
            return Selector(server, tool)
    return Selector(None, key)
