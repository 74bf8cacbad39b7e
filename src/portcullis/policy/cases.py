"""Policy test cases: what they look like and how they are read, every problem with its line.

A policy carries its cases in a ``tests`` list beside ``tools``, or in a file next to it named
``<policy stem>.tests.yaml`` (``.yml`` and ``.json`` too; ``policy.json`` → ``policy.tests.yaml``), which
holds either the list itself or a map with a ``tests`` list. One case::

    - name: a transfer to a stranger is refused       # optional
      tool: bank__transfer                             # <server>__<tool>, as agents see it
      arguments: {to: "0xBAD", amount: 5}              # default {}
      grant: alice                                     # optional: the caller (scopes limits)
      session: s1                                      # optional, default "test"
      before:                                          # optional: calls made first, in order
        - {tool: bank__balance, repeat: 3}
        - {wait: 61s}                                  # let the clock run
      expect: deny                                     # or a map:
      # expect: {decision: deny, rule: "$.tools.bank__transfer.deny_if[0]", reason: treasury}

``decision`` is ``allow``, ``deny``, ``require_approval``, ``hide`` or ``limit`` (denied by a rate
limit). ``rule`` is the JSON path of the deciding entry (exact, or a glob with ``*``); ``reason`` is text
the reason must contain (case-insensitive).

Which tools are known: ``Catalogue`` (the config's servers, the approved tools of the pin store, or a
``tools --json`` listing). A case naming a server the catalogue does not have, or a tool its server does
not list, is an error; a server with no known tools is taken on trust.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portcullis._plumbing.durations import parse_duration
from portcullis.config.source import Document, join_path, read_document
from portcullis.errors import ConfigError, Problem

__all__ = [
    "DECISION_NAMES",
    "Catalogue",
    "Expectation",
    "PolicyCase",
    "PriorCall",
    "case_documents",
    "parse_cases",
    "sibling_tests_file",
]

DECISION_NAMES = ("allow", "deny", "require_approval", "hide", "limit")
_CASE_KEYS = {"name", "tool", "arguments", "grant", "session", "before", "expect", "description"}
_BEFORE_KEYS = {"tool", "arguments", "grant", "session", "repeat", "wait", "approved"}
_EXPECT_KEYS = {"decision", "rule", "reason"}
_SUFFIXES = (".tests.yaml", ".tests.yml", ".tests.json")
_MAX_REPEAT = 100_000


@dataclass(frozen=True)
class Expectation:
    decision: str
    rule: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class PriorCall:
    """A call of ``before`` (``repeat`` times), or a pause of ``wait`` seconds (``tool`` empty)."""

    tool: str
    arguments: dict[str, Any]
    grant: str | None
    session: str
    repeat: int = 1
    wait: float = 0.0
    approved: bool = False


@dataclass(frozen=True)
class PolicyCase:
    name: str
    tool: str
    arguments: dict[str, Any]
    grant: str | None
    session: str
    before: tuple[PriorCall, ...]
    expect: Expectation
    file: str
    line: int | None
    location: str


@dataclass
class Catalogue:
    """The tools a case may name: ``servers`` (None: any) and, per server, its tools (absent: any)."""

    servers: set[str] | None = None
    tools: dict[str, set[str]] = field(default_factory=dict)
    grants: set[str] | None = None

    def add_tools(self, names: Iterable[tuple[str, str]]) -> None:
        for server, tool in names:
            self.tools.setdefault(server, set()).add(tool)

    def problem(self, name: str) -> str | None:
        """Why ``name`` is not a known tool, or None when it is (or cannot be judged)."""
        if "__" not in name or not name.split("__", 1)[0] or not name.split("__", 1)[1]:
            return f"'{name}' is not a tool name as agents see it: write <server>__<tool>"
        server, tool = name.split("__", 1)
        if self.servers is not None and server not in self.servers:
            known = ", ".join(sorted(self.servers)) or "none"
            return f"unknown tool '{name}': the config has no server '{server}' (servers: {known})"
        listed = self.tools.get(server)
        if listed and tool not in listed:
            close = difflib.get_close_matches(tool, sorted(listed), n=3)
            hint = f" (did you mean {', '.join(f'{server}__{c}' for c in close)}?)" if close else ""
            return f"unknown tool '{name}': server '{server}' has no tool '{tool}'{hint}"
        return None


def sibling_tests_file(policy: Path) -> Path | None:
    """``policy.tests.yaml`` (or ``.yml``, ``.json``, or ``<full name>.tests.yaml``) next to ``policy``."""
    for stem in (policy.with_suffix("").name, policy.name):
        for suffix in _SUFFIXES:
            candidate = policy.with_name(stem + suffix)
            if candidate.is_file():
                return candidate
    return None


def case_documents(policy_doc: Document, policy_path: Path) -> list[tuple[Document, str]]:
    """The documents holding cases for a policy, each with the JSON path of its list of cases."""
    out: list[tuple[Document, str]] = []
    if isinstance(policy_doc.data, dict) and policy_doc.data.get("tests") is not None:
        out.append((policy_doc, "$.tests"))
    sibling = sibling_tests_file(policy_path)
    if sibling is not None:
        doc = read_document(sibling)
        out.append((doc, "$.tests" if isinstance(doc.data, dict) else "$"))
    return out


def parse_cases(doc: Document, path: str, catalogue: Catalogue | None = None) -> list[PolicyCase]:
    """The cases at ``path`` of ``doc``; raises ``ConfigError`` with every problem and its line."""
    parser = _CaseParser(doc, catalogue or Catalogue())
    cases = parser.cases(path)
    if parser.problems:
        raise ConfigError(parser.problems)
    return cases


class _CaseParser:
    def __init__(self, doc: Document, catalogue: Catalogue) -> None:
        self.doc = doc
        self.catalogue = catalogue
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def cases(self, path: str) -> list[PolicyCase]:
        data = self.doc.data
        if path == "$.tests":
            if not isinstance(data, dict):
                self.problem("$", "a tests file holds a list of cases, or a map with a 'tests' list")
                return []
            unknown = [k for k in data if k != "tests" and not str(k).startswith("_")]
            if self.doc.file.endswith(_SUFFIXES):
                for key in unknown:
                    self.problem(join_path("$", str(key)), f"unknown key '{key}' (a tests file has only 'tests')")
            data = data.get("tests")
        if not isinstance(data, list):
            self.problem(path, f"must be a list of test cases, got {type(data).__name__}")
            return []
        out = []
        for i, raw in enumerate(data):
            case = self.case(join_path(path, i), raw, i)
            if case is not None:
                out.append(case)
        return out

    def keys(self, path: str, raw: Mapping[str, Any], allowed: set[str]) -> bool:
        ok = True
        for key in raw:
            if not str(key).startswith("_") and key not in allowed:
                self.problem(
                    join_path(path, str(key)), f"unknown key '{key}' (known keys: {', '.join(sorted(allowed))})"
                )
                ok = False
        return ok

    def tool(self, path: str, raw: Any) -> str | None:
        if not isinstance(raw, str) or not raw:
            self.problem(path, "every call needs 'tool': <server>__<tool>")
            return None
        why = self.catalogue.problem(raw)
        if why is not None:
            self.problem(path, why)
            return None
        return raw

    def arguments(self, path: str, raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem(path, f"'arguments' must be a map of argument → value, got {type(raw).__name__}")
            return None
        return raw

    def name_text(self, path: str, raw: Any, what: str) -> str | bool | None:
        """A string, None when absent, False when wrong."""
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw:
            self.problem(path, f"'{what}' must be a non-empty string")
            return False
        return raw

    def grant(self, path: str, raw: Any) -> str | bool | None:
        got = self.name_text(path, raw, "grant")
        if isinstance(got, str) and self.catalogue.grants is not None and got not in self.catalogue.grants:
            known = ", ".join(sorted(self.catalogue.grants)) or "none"
            self.problem(path, f"unknown grant '{got}' (grants of the config: {known})")
            return False
        return got

    def case(self, path: str, raw: Any, index: int) -> PolicyCase | None:
        if not isinstance(raw, dict):
            self.problem(path, "a test case is a map with 'tool' and 'expect'")
            return None
        ok = self.keys(path, raw, _CASE_KEYS)
        tool = self.tool(join_path(path, "tool") if "tool" in raw else path, raw.get("tool"))
        arguments = self.arguments(join_path(path, "arguments"), raw.get("arguments"))
        grant = self.grant(join_path(path, "grant"), raw.get("grant"))
        session = self.name_text(join_path(path, "session"), raw.get("session"), "session")
        name = self.name_text(join_path(path, "name"), raw.get("name"), "name")
        before = self.before(join_path(path, "before"), raw.get("before"), grant, session)
        expect = self.expect(join_path(path, "expect") if "expect" in raw else path, raw.get("expect"), "expect" in raw)
        if not ok or tool is None or arguments is None or before is None or expect is None:
            return None
        if grant is False or session is False or name is False:
            return None
        return PolicyCase(
            name=name if isinstance(name, str) else f"tests[{index}] {tool}",
            tool=tool,
            arguments=arguments,
            grant=grant if isinstance(grant, str) else None,
            session=session if isinstance(session, str) else "test",
            before=tuple(before),
            expect=expect,
            file=self.doc.file,
            line=self.doc.line(path),
            location=path,
        )

    def before(self, path: str, raw: Any, grant: Any, session: Any) -> list[PriorCall] | None:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(path, "'before' must be a list of calls ({tool, arguments, repeat}) or pauses ({wait: 61s})")
            return None
        out: list[PriorCall] = []
        ok = True
        for i, item in enumerate(raw):
            prior = self.prior(join_path(path, i), item, grant, session)
            if prior is None:
                ok = False
            else:
                out.append(prior)
        return out if ok else None

    def prior(self, path: str, raw: Any, grant: Any, session: Any) -> PriorCall | None:
        if not isinstance(raw, dict):
            self.problem(path, "each entry of 'before' is a map: {tool, arguments, repeat} or {wait: 61s}")
            return None
        if not self.keys(path, raw, _BEFORE_KEYS):
            return None
        if "wait" in raw:
            if set(raw) - {"wait"}:
                self.problem(path, "a pause is {wait: DURATION} alone; put the call in an entry of its own")
                return None
            try:
                seconds = parse_duration(str(raw["wait"]))
            except ValueError as exc:
                self.problem(join_path(path, "wait"), str(exc))
                return None
            return PriorCall("", {}, None, "", 0, seconds)
        tool = self.tool(join_path(path, "tool") if "tool" in raw else path, raw.get("tool"))
        arguments = self.arguments(join_path(path, "arguments"), raw.get("arguments"))
        own_grant = self.grant(join_path(path, "grant"), raw.get("grant"))
        own_session = self.name_text(join_path(path, "session"), raw.get("session"), "session")
        repeat = raw.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= _MAX_REPEAT:
            self.problem(join_path(path, "repeat"), f"'repeat' must be a whole number from 1 to {_MAX_REPEAT}")
            return None
        approved = raw.get("approved", False)
        if not isinstance(approved, bool):
            self.problem(join_path(path, "approved"), "'approved' must be true or false")
            return None
        if tool is None or arguments is None or own_grant is False or own_session is False:
            return None
        g = own_grant if isinstance(own_grant, str) else (grant if isinstance(grant, str) else None)
        s = own_session if isinstance(own_session, str) else (session if isinstance(session, str) else "test")
        return PriorCall(tool, arguments, g, s, repeat, 0.0, approved)

    def expect(self, path: str, raw: Any, present: bool) -> Expectation | None:
        choices = ", ".join(DECISION_NAMES)
        if not present:
            self.problem(path, f"every test case needs 'expect': one of {choices}, or {{decision, rule, reason}}")
            return None
        if isinstance(raw, str):
            raw = {"decision": raw}
            path_decision = path
        elif isinstance(raw, dict):
            if not self.keys(path, raw, _EXPECT_KEYS):
                return None
            path_decision = join_path(path, "decision") if "decision" in raw else path
        else:
            self.problem(path, f"'expect' must be one of {choices}, or a map {{decision, rule, reason}}")
            return None
        decision = raw.get("decision")
        if decision not in DECISION_NAMES:
            self.problem(path_decision, f"expected decision must be one of {choices}; got {decision!r}")
            return None
        texts: list[str | None] = []
        for key in ("rule", "reason"):
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or not value):
                self.problem(join_path(path, key), f"'{key}' must be a non-empty string")
                return None
            texts.append(value)
        return Expectation(str(decision), texts[0], texts[1])
