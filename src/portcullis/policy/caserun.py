"""Run policy test cases without upstreams, and report them (text lines, JUnit XML).

Each case starts from nothing: a fresh in-memory counter store and session history, a clock at
2026-01-01T12:00:00Z that moves 1 ms per call (and by each ``wait``). Its ``before`` calls run in
order through the same ``Simulator`` as the case's own call, whose verdict is compared with the
expectation. Pure apart from the clock it simulates.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from portcullis.policy.cases import PolicyCase
from portcullis.policy.compile import CompiledPolicy
from portcullis.policy.decision import Decision, ToolCall
from portcullis.policy.simulate import Simulator, Verdict

__all__ = ["START", "CaseResult", "junit_xml", "run_case", "run_cases"]

START = 1_767_268_800.0  # 2026-01-01T12:00:00Z: far from a day boundary
_TICK = 0.001
_QUOTED = re.compile(r"\['([^']*)'\]")

Reach = Callable[[str | None, str], bool]  # may this grant reach this server?


@dataclass(frozen=True)
class CaseResult:
    case: PolicyCase
    verdict: Verdict
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        """``file:line: name: expected …, got …`` — one line per failure."""
        where = f"{self.case.file}:{self.case.line}" if self.case.line is not None else self.case.file
        got = f"got {self.verdict.kind} by {self.verdict.rule} ({self.verdict.reason})"
        return f"{where}: {self.case.name}: expected {' and '.join(self.failures)}; {got}"


def _call(tool: str, arguments: dict[str, object], grant: str | None, session: str) -> ToolCall:
    server, name = tool.split("__", 1)
    return ToolCall(server, name, arguments, grant, session)


def _step(sim: Simulator, call: ToolCall, now: float, reach: Reach | None, approved: bool = False) -> Verdict:
    if reach is not None and not reach(call.grant, call.server):
        reason = f"grant '{call.grant}' may not reach server '{call.server}'"
        return Verdict("deny", Decision("deny", "$.grants", reason, tool=call.name))
    return sim.step(call, now, approved=approved)


def run_case(policy: CompiledPolicy, case: PolicyCase, reach: Reach | None = None) -> CaseResult:
    """Run one case from a clean state."""
    sim = Simulator(policy)
    now = START
    for prior in case.before:
        if not prior.tool:
            now += prior.wait
            continue
        call = _call(prior.tool, prior.arguments, prior.grant, prior.session)
        for _ in range(prior.repeat):
            _step(sim, call, now, reach, prior.approved)
            now += _TICK
    verdict = _step(sim, _call(case.tool, case.arguments, case.grant, case.session), now, reach)
    return CaseResult(case, verdict, _failures(case, verdict))


def _failures(case: PolicyCase, verdict: Verdict) -> tuple[str, ...]:
    want = case.expect
    out: list[str] = []
    if verdict.kind != want.decision:
        out.append(f"decision {want.decision}")
    if want.rule is not None:
        got, wanted = _plain_path(verdict.rule), _plain_path(want.rule)
        if got != wanted and not ("*" in wanted and fnmatch.fnmatchcase(got, wanted)):
            out.append(f"rule {want.rule}")
    if want.reason is not None and want.reason.lower() not in verdict.reason.lower():
        out.append(f"a reason containing {want.reason!r}")
    return tuple(out)


def _plain_path(path: str) -> str:
    """``$.tools['a*']`` → ``$.tools.a*``: a rule written either way matches."""
    return _QUOTED.sub(r".\1", path)


def run_cases(policy: CompiledPolicy, cases: Sequence[PolicyCase], reach: Reach | None = None) -> list[CaseResult]:
    """Run every case, each from a clean state."""
    return [run_case(policy, case, reach) for case in cases]


def junit_xml(suite: str, results: Sequence[CaseResult]) -> bytes:
    """A JUnit XML report (one ``testsuite``), as CI systems read it."""
    failures = sum(1 for r in results if not r.passed)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failures), errors="0")
    node = ET.SubElement(
        root, "testsuite", name=suite, tests=str(len(results)), failures=str(failures), errors="0", skipped="0"
    )
    for r in results:
        where = f"{r.case.file}:{r.case.line}" if r.case.line is not None else r.case.file
        case = ET.SubElement(node, "testcase", name=r.case.name, classname=f"policy.{suite}", file=r.case.file)
        if r.case.line is not None:
            case.set("line", str(r.case.line))
        if not r.passed:
            failure = ET.SubElement(case, "failure", message=r.describe().splitlines()[0], type="PolicyTestFailure")
            failure.text = f"{where} ({r.case.location})\n{r.describe()}"
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
