"""Step 3, decide: what the grant's policy says of a call (pure, cached), and the refusal it makes.

``decide`` only reads the decision: the pin check (step 4) comes before its refusal, so a tool whose
definition changed is refused as such even where the policy denies it too. ``refusal`` is the
decision's own denial (deny, hide) or, for an allowed call, arguments that do not fit the tool's own
``inputSchema`` (the server would reject them: ask no person, spend no quota).
"""

from __future__ import annotations

from portcullis.catalog.catalog import Catalog
from portcullis.pipeline.guard import Admission, CallInfo, asked
from portcullis.pipeline.policies import PolicySet
from portcullis.policy import Decision, denial_result
from portcullis.policy.toolschema import ToolSchemas

__all__ = ["decide", "names_tool", "refusal"]


def decide(policies: PolicySet, call: CallInfo) -> Decision:
    """The policy's decision on ``call`` for its grant (and, for session rules, its session)."""
    return policies.for_call(call).decide(asked(call))


def names_tool(decision: Decision) -> bool:
    """Whether a rule of the policy named the tool (not only its default)."""
    return not decision.rule.startswith(("$.default", "no-policy"))


def refusal(decision: Decision, call: CallInfo, schemas: ToolSchemas, catalog: Catalog | None) -> Admission | None:
    """The decision's denial, or a denial of arguments that misfit the tool's schema; ``None``: go on."""
    if decision.action == "deny" or decision.action == "hide":
        return Admission("deny", decision.rule, decision.reason, denial_result(decision))
    misfit = _schema_misfit(call, schemas, catalog)
    if misfit is not None:
        return Admission("deny", misfit.rule, misfit.reason, denial_result(misfit))
    return None


def _schema_misfit(call: CallInfo, schemas: ToolSchemas, catalog: Catalog | None) -> Decision | None:
    """A denial when the arguments do not fit the tool's own inputSchema (as catalogued)."""
    entry = catalog.entry(call.server, call.tool) if catalog is not None else None
    if entry is None:
        return None
    failure = schemas.check(entry.hash, entry.tool.get("inputSchema"), call.arguments, call.exposed)
    if failure is None:
        return None
    return Decision("deny", failure.rule, failure.reason, failure.hint, tool=call.exposed, argument=failure.argument)
