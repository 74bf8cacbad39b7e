"""Read a policy file (JSON or YAML) into a ``PolicyModel``, reporting every problem with its location.

Unknown keys are errors, except keys starting with ``_`` (``_why`` from the recommender, comments),
which are accepted and ignored. ``description`` is accepted wherever a map is, as documentation.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, cast

from portcullis._plumbing.durations import GRAMMAR
from portcullis._plumbing.sections import unknown_keys
from portcullis.config.source import Document, join_path, parse_document, read_document
from portcullis.errors import ConfigError, Problem
from portcullis.limits.model import Scope
from portcullis.limits.window import parse_window
from portcullis.policy.arguments import compile_schema
from portcullis.policy.conditions import value_problem
from portcullis.policy.glob import Selector, selector_for_key
from portcullis.policy.model import (
    ConditionSpec,
    DenyIfSpec,
    HideSpec,
    LimitSpec,
    PolicyModel,
    RuleAction,
    ToolRule,
)
from portcullis.policy.parseflow import parse_loop, parse_mode, parse_sessions, parse_tags

__all__ = ["parse_policy", "policy_from_text", "read_policy"]

_TOP_KEYS = {
    "screening",
    "version",
    "default",
    "hide",
    "all_tools",
    "tools",
    "servers",
    "fail_open",
    "description",
    "tests",
    "mode",
    "sessions",
}
_TOOL_KEYS = {
    "action",
    "reason",
    "hint",
    "args",
    "deny_if",
    "require",
    "limits",
    "rate_limit",
    "description",
    "loop",
    "tags",
    "mode",
}
_ALL_TOOLS_KEYS = {"deny_if", "require", "limits", "rate_limit", "description", "loop"}
_SERVER_KEYS = {"tools", "hide", "description"}
_LIMIT_KEYS = {"counter", "window", "max", "scope", "cost"}
_CONDITION_KEYS = {"path", "op", "value"}
_DENY_IF_KEYS = {"conditions", "on_deny", "name"}
_ACTIONS = ("allow", "deny", "require_approval")
_SCOPES = ("grant", "session", "global")
_SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(.+?)\s*$")


def read_policy(path: Path) -> PolicyModel:
    """Read and validate a policy file; raise ``ConfigError`` with every problem."""
    return parse_policy(read_document(path))


def policy_from_text(text: str, file: str = "<policy>") -> PolicyModel:
    """Validate policy text (JSON or YAML)."""
    return parse_policy(parse_document(text, file))


def parse_policy(doc: Document) -> PolicyModel:
    """Validate a parsed document into a ``PolicyModel``."""
    return _Parser(doc).parse()


class _Parser:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.order = 0
        self.rule_at: dict[Selector, str] = {}
        self.hide_at: dict[Selector, str] = {}

    # -- helpers -------------------------------------------------------------------------------
    def problem(self, path: str, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def keys(self, path: str, data: dict[str, Any], allowed: set[str]) -> None:
        for at, message in unknown_keys(data, sorted(allowed), path, private_ok=True):
            self.problem(at, message)

    def text(self, path: str, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(path, f"must be a string, got {type(value).__name__}")
            return None
        return value

    def mapping(self, path: str, value: Any, what: str = "a map") -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be {what}, got {_kind(value)}")
            return None
        return value

    def items_of(self, path: str, value: Any, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"must be a list of {what}, got {_kind(value)}")
            return []
        return value

    # -- the document --------------------------------------------------------------------------
    def parse(self) -> PolicyModel:
        data = self.doc.data
        if data is None:
            raise ConfigError([self.doc.problem("$", 'the policy is empty; write at least {"version": "1"}')])
        if not isinstance(data, dict):
            raise ConfigError([self.doc.problem("$", f"a policy must be a map at the top level, got {_kind(data)}")])
        self.keys("$", data, _TOP_KEYS)
        version = data.get("version", "1")
        if str(version) != "1" or isinstance(version, bool):
            self.problem("$.version", f'version must be "1", got {version!r}')
        default = data.get("default", "deny")
        if default not in ("allow", "deny"):
            self.problem("$.default", f'default must be "allow" or "deny", got {default!r}')
            default = "deny"
        fail_open = data.get("fail_open", False)
        if not isinstance(fail_open, bool):
            self.problem("$.fail_open", "must be true or false")
            fail_open = False
        self.text("$.description", data.get("description"))
        hides = self.hides("$.hide", data.get("hide"), None)
        rules = self.tools("$.tools", data.get("tools"), None)
        servers = data.get("servers")
        if servers is not None and self.mapping("$.servers", servers, "a map of server name → {tools, hide}"):
            for name, block in servers.items():
                rules += self.server_block(join_path("$.servers", str(name)), str(name), block, hides)
        all_tools = None
        if data.get("all_tools") is not None:
            all_tools = self.rule("$.all_tools", "all_tools", Selector(None, "*"), data["all_tools"], _ALL_TOOLS_KEYS)
        shadow = parse_mode(self.problem, "$.mode", data.get("mode"))
        sessions = []
        if data.get("sessions") is not None:
            sessions = parse_sessions(self.problem, "$.sessions", data["sessions"])
        from portcullis.screening.settings import parse_screening

        screening = parse_screening(self.doc, data.get("screening"), self.problems)
        if self.problems:
            raise ConfigError(self.problems)
        return PolicyModel(
            file=self.doc.file,
            default=cast(Any, default),
            rules=tuple(rules),
            hides=tuple(hides),
            all_tools=all_tools,
            fail_open=fail_open,
            shadow=shadow,
            sessions=tuple(sessions),
            screening=screening,
            source=data,
        )

    def server_block(self, path: str, name: str, block: Any, hides: list[HideSpec]) -> list[ToolRule]:
        if not _SERVER_NAME.match(name) or "__" in name:
            self.problem(path, f"'{name}' is not a server name (letters, digits, '-', '_'; no '__')")
        raw = self.mapping(path, block if block is not None else {}, "a map with 'tools' and/or 'hide'")
        if raw is None:
            return []
        self.keys(path, raw, _SERVER_KEYS)
        self.text(join_path(path, "description"), raw.get("description"))
        hides += self.hides(join_path(path, "hide"), raw.get("hide"), name)
        return self.tools(join_path(path, "tools"), raw.get("tools"), name)

    def hides(self, path: str, raw: Any, server: str | None) -> list[HideSpec]:
        out = []
        for i, entry in enumerate(self.items_of(path, raw, "tool names or patterns")):
            p = join_path(path, i)
            if not isinstance(entry, str) or not entry:
                self.problem(p, "must be a non-empty tool name or pattern")
                continue
            selector = selector_for_key(entry, server)
            if selector in self.hide_at:
                self.problem(p, f"'{entry}' is already hidden by {self.hide_at[selector]}")
                continue
            self.hide_at[selector] = p
            self.order += 1
            out.append(HideSpec(selector, p, self.order))
        return out

    def tools(self, path: str, raw: Any, server: str | None) -> list[ToolRule]:
        if raw is None:
            return []
        if self.mapping(path, raw, "a map of tool name or pattern → rule") is None:
            return []
        out = []
        for key, entry in raw.items():
            p = join_path(path, str(key))
            if not key:
                self.problem(p, "a tool key must not be empty")
                continue
            selector = selector_for_key(str(key), server)
            rule = self.rule(p, str(key), selector, entry, _TOOL_KEYS)
            if rule is None:
                continue
            if selector in self.rule_at:
                self.problem(p, f"names the same tools as {self.rule_at[selector]}; merge the two entries")
                continue
            self.rule_at[selector] = p
            out.append(rule)
        return out

    # -- one rule ------------------------------------------------------------------------------
    def rule(self, path: str, key: str, selector: Selector, raw: Any, allowed: set[str]) -> ToolRule | None:
        if raw in _ACTIONS:  # 'github__delete: deny'
            self.problem(path, f"must be a map: write {{action: {raw}}} (or {{}} to allow the tool)")
            return None
        raw = self.mapping(path, raw if raw is not None else {}, "a map (use {} to allow the tool)")
        if raw is None:
            return None
        self.keys(path, raw, allowed)
        action = raw.get("action", "allow")
        if action not in _ACTIONS:
            self.problem(join_path(path, "action"), f"action must be one of {', '.join(_ACTIONS)}; got {action!r}")
            action = "allow"
        if action == "deny":
            for extra in ("args", "deny_if", "require", "limits", "rate_limit"):
                if raw.get(extra) is not None:
                    self.problem(
                        join_path(path, extra),
                        f"a tool with action 'deny' is always denied; '{extra}' has no effect, remove it",
                    )
        reason = self.text(join_path(path, "reason"), raw.get("reason"))
        hint = self.text(join_path(path, "hint"), raw.get("hint"))
        self.text(join_path(path, "description"), raw.get("description"))
        schema = None
        if raw.get("args") is not None:
            schema = self.mapping(join_path(path, "args"), raw["args"], "a JSON Schema (a map)")
            if schema is not None:
                try:
                    compile_schema(schema)
                except ValueError as exc:
                    self.problem(join_path(path, "args"), f"not a valid JSON Schema: {exc}")
        p_deny, p_require, p_limits = join_path(path, "deny_if"), join_path(path, "require"), join_path(path, "limits")
        deny_if = [
            d
            for i, item in enumerate(self.items_of(p_deny, raw.get("deny_if"), "maps"))
            if (d := self.deny_if(join_path(p_deny, i), item)) is not None
        ]
        require = [
            c
            for i, item in enumerate(self.items_of(p_require, raw.get("require"), "conditions"))
            if (c := self.condition(join_path(p_require, i), item, True)) is not None
        ]
        limits = [
            lim
            for i, item in enumerate(self.items_of(p_limits, raw.get("limits"), "limits"))
            if (lim := self.limit(join_path(p_limits, i), item, f"{key}#{i}")) is not None
        ]
        if raw.get("rate_limit") is not None:
            shorthand = self.rate_limit(join_path(path, "rate_limit"), raw["rate_limit"], f"{key}#rate")
            if shorthand is not None:
                limits.append(shorthand)
        loop = parse_loop(self.problem, join_path(path, "loop"), raw["loop"]) if raw.get("loop") is not None else None
        tags = parse_tags(self.problem, join_path(path, "tags"), raw["tags"]) if raw.get("tags") is not None else None
        shadow = parse_mode(self.problem, join_path(path, "mode"), raw.get("mode"))
        self.order += 1
        return ToolRule(
            key=key,
            selector=selector,
            action=cast(RuleAction, action),
            reason=reason,
            hint=hint,
            args_schema=schema,
            deny_if=tuple(deny_if),
            require=tuple(require),
            limits=tuple(limits),
            location=path,
            order=self.order,
            loop=loop,
            tags=tags,
            shadow=shadow,
        )

    def condition(self, path: str, raw: Any, is_require: bool) -> ConditionSpec | None:
        raw = self.mapping(path, raw, "a condition {path, op, value}")
        if raw is None:
            return None
        self.keys(path, raw, _CONDITION_KEYS | ({"on_deny"} if is_require else set()))
        arg_path = self.argument_path(join_path(path, "path"), raw.get("path"))
        op = raw.get("op")
        if not isinstance(op, str):
            problem: str | None = "every condition needs an 'op'"
            self.problem(join_path(path, "op") if "op" in raw else path, "every condition needs an 'op'")
        else:
            problem = value_problem(op, raw.get("value"), "value" in raw)
            if problem:
                self.problem(join_path(path, "op" if problem.startswith("unknown operator") else "value"), problem)
        on_deny = self.text(join_path(path, "on_deny"), raw.get("on_deny")) if is_require else None
        if arg_path is None or problem:
            return None
        return ConditionSpec(arg_path, op, raw.get("value"), path, on_deny)

    def argument_path(self, path: str, raw: Any) -> tuple[str, ...] | None:
        if not isinstance(raw, str) or not raw.startswith("args."):
            self.problem(path, f"must be 'args.<argument>' such as 'args.amount', got {raw!r}")
            return None
        parts = tuple(raw[len("args.") :].split("."))
        if not all(parts):
            self.problem(path, f"'{raw}' has an empty part; write 'args.a.b'")
            return None
        return parts

    def deny_if(self, path: str, raw: Any) -> DenyIfSpec | None:
        raw = self.mapping(path, raw, "a map {conditions, on_deny}")
        if raw is None:
            return None
        if "conditions" not in raw and {"path", "op"} & raw.keys():  # one condition written in place of the entry
            self.problem(path, "a deny_if entry holds its conditions: write {conditions: [{path, op, value}], on_deny}")
            return None
        self.keys(path, raw, _DENY_IF_KEYS)
        items = self.items_of(join_path(path, "conditions"), raw.get("conditions"), "conditions")
        if not items:
            self.problem(join_path(path, "conditions"), "needs at least one condition")
        conditions = [
            c
            for i, item in enumerate(items)
            if (c := self.condition(join_path(join_path(path, "conditions"), i), item, False)) is not None
        ]
        on_deny = self.text(join_path(path, "on_deny"), raw.get("on_deny"))
        name = self.text(join_path(path, "name"), raw.get("name"))
        if len(conditions) != len(items) or not items:
            return None
        return DenyIfSpec(tuple(conditions), on_deny, path, name)

    def limit(self, path: str, raw: Any, default_counter: str) -> LimitSpec | None:
        raw = self.mapping(path, raw, "a limit {counter, window, max, scope}")
        if raw is None:
            return None
        self.keys(path, raw, _LIMIT_KEYS)
        ok = True
        counter = raw.get("counter", default_counter)
        if not isinstance(counter, str) or not counter:
            self.problem(join_path(path, "counter"), "must be a non-empty counter name")
            ok = False
        window = None
        if "window" not in raw:
            self.problem(path, f"a limit needs a 'window' ({GRAMMAR})")
            ok = False
        else:
            parsed = parse_window(raw["window"])
            if isinstance(parsed, str):
                self.problem(join_path(path, "window"), parsed)
                ok = False
            else:
                window = parsed
        maximum = raw.get("max")
        if (
            isinstance(maximum, bool)
            or not isinstance(maximum, (int, float))
            or not math.isfinite(maximum)
            or maximum <= 0
        ):
            self.problem(join_path(path, "max") if "max" in raw else path, "a limit needs 'max', a positive number")
            ok = False
        scope = raw.get("scope", "grant")
        if scope not in _SCOPES:
            self.problem(join_path(path, "scope"), f"scope must be grant, session or global; got {scope!r}")
            ok = False
        cost = None
        if raw.get("cost") is not None:
            cost = self.argument_path(join_path(path, "cost"), raw["cost"])
            ok = ok and cost is not None
        if not ok or window is None:
            return None
        seconds, aligned, label = window
        return LimitSpec(counter, seconds, aligned, label, float(maximum), cast(Scope, scope), cost, path)

    def rate_limit(self, path: str, raw: Any, counter: str) -> LimitSpec | None:
        m = _RATE.match(raw) if isinstance(raw, str) else None
        parsed = parse_window(m.group(2)) if m else None
        if m is None or isinstance(parsed, str) or parsed is None or float(m.group(1)) <= 0:
            why = parsed if isinstance(parsed, str) else "it is not 'N/window'"
            self.problem(path, f"must be 'N/window' such as '10/minute' or '100/5m' ({why}), got {raw!r}")
            return None
        seconds, aligned, label = parsed
        return LimitSpec(counter, seconds, aligned, label, float(m.group(1)), "grant", None, path)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a map", list: "a list", str: "a string", bool: "true/false"}.get(type(value), type(value).__name__)
