"""The ``screening:`` config section: what happens when a tool's result carries a secret or text aimed at the model.

```yaml
screening:
  secrets: redact          # off | warn | redact | deny   (private keys, cloud keys, tokens: audit's patterns)
  instructions: warn       # off | warn | redact | deny   (the description scan's detectors)
  max_result_bytes: 1000000   # a bigger result is withheld (0: no limit)
  tools:                   # per tool (exposed name or glob); the most specific key wins, unset actions inherit
    "web__fetch*": {instructions: deny}
    "vault__*": {secrets: deny}
```
``warn`` records the finding in the audit trail and in the result's ``_meta``; ``redact`` replaces the
finding before the agent sees it; ``deny`` withholds the whole result (the agent reads why). Without
the section nothing is screened.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from portcullis.config.source import Document, join_path
from portcullis.errors import Problem
from portcullis.policy.glob import glob_matches

__all__ = ["ACTIONS", "Action", "ScreenRule", "ScreeningSettings", "parse_screening"]

Action = Literal["off", "warn", "redact", "deny"]
ACTIONS: tuple[Action, ...] = ("off", "warn", "redact", "deny")
_KEYS = {"secrets", "instructions", "max_result_bytes", "tools", "description"}
_TOOL_KEYS = {"secrets", "instructions", "max_result_bytes", "description"}


@dataclass(frozen=True)
class ScreenRule:
    """What to do with one tool's results."""

    secrets: Action = "off"
    instructions: Action = "off"
    max_result_bytes: int = 0

    @property
    def active(self) -> bool:
        return self.secrets != "off" or self.instructions != "off" or self.max_result_bytes > 0


@dataclass(frozen=True)
class ScreeningSettings:
    """The global rule and the per-tool overrides (most specific key first)."""

    default: ScreenRule = ScreenRule()
    tools: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()  # (key, what it sets), most specific first
    _rules: dict[tuple[str, str], ScreenRule] = field(default_factory=dict, compare=False, repr=False)

    def rule_for(self, server: str, tool: str) -> ScreenRule:
        """The rule for a tool: the global one with the most specific matching override applied.

        A key with ``__`` names ``<server>__<tool>`` (globs allowed); one without names the tool on any server.
        """
        rule = self._rules.get((server, tool))
        if rule is None:
            rule = self.default
            for key, values in self.tools:
                name = f"{server}__{tool}" if "__" in key else tool
                if glob_matches(key, name):
                    rule = replace(self.default, **dict(values))
                    break
            if len(self._rules) < 10_000:
                self._rules[(server, tool)] = rule
        return rule


def _rank(key: str) -> tuple[int, int, int]:
    """Higher is more specific: no glob, then a longer literal prefix, then more literal characters."""
    globs = [i for i, c in enumerate(key) if c in "*?"]
    return (int(not globs), globs[0] if globs else len(key), len(key) - len(globs))


def _action(doc: Document, path: str, raw: Any, problems: list[Problem]) -> Action | None:
    if raw is False:
        return "off"
    if raw not in ACTIONS:
        problems.append(doc.problem(path, f"must be one of {', '.join(ACTIONS)}, got {raw!r}"))
        return None
    return raw  # type: ignore[no-any-return]


def _values(
    doc: Document, path: str, raw: dict[str, Any], allowed: set[str], problems: list[Problem]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        p = join_path(path, str(key))
        if key not in allowed:
            problems.append(doc.problem(p, f"unknown key '{key}' (known keys: {', '.join(sorted(allowed))})"))
        elif key in ("secrets", "instructions"):
            action = _action(doc, p, value, problems)
            if action is not None:
                out[key] = action
        elif key == "max_result_bytes":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(doc.problem(p, "must be a whole number of bytes (0: no limit)"))
            else:
                out[key] = value
    return out


def parse_screening(doc: Document, raw: Any, problems: list[Problem]) -> ScreeningSettings | None:
    """Validate the ``screening`` section (``None`` when absent)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(doc.problem("$.screening", "must be a map (secrets, instructions, max_result_bytes, tools)"))
        return None
    top = _values(doc, "$.screening", {k: v for k, v in raw.items() if k != "tools"}, _KEYS, problems)
    tools_raw = raw.get("tools") or {}
    tools: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    if not isinstance(tools_raw, dict):
        problems.append(doc.problem("$.screening.tools", "must be a map of tool name or glob → settings"))
    else:
        for key, entry in tools_raw.items():
            p = join_path("$.screening.tools", str(key))
            if not isinstance(entry, dict):
                problems.append(doc.problem(p, "must be a map (secrets, instructions, max_result_bytes)"))
                continue
            values = _values(doc, p, entry, _TOOL_KEYS, problems)
            tools.append((str(key), tuple(sorted(values.items()))))
    tools.sort(key=lambda item: _rank(item[0]), reverse=True)
    top.pop("description", None)
    return ScreeningSettings(ScreenRule(**top), tuple(tools))
