"""Classify one MCP tool definition: category, level, every signal with its evidence, and the deciding rule.

Pure and deterministic: the same definition always gives the same answer. It reads the whole
definition as a person would; each step may only *raise* the category (fail closed), except a router
whose operation list is known exactly or enumerated in its description (step 3), and a name's act that the
description only explains or leaves to the user, or a name's word the description's read takes as a noun in its
object (step 1), and a read verb's query the description promises only reads (step 4). The steps, in order:

1. **Verbs** (``verb_step``, ``verbs``, ``prose``): the name's verb, first or last or past vendor prefixes, settled by
   its object; then the verbs that lead the description's first sentence ("Stop and remove a container,
   then run …"), which raise it (a verb that doubles as a noun counts when "and" joins it to a sure one; a run
   of a named API operation, "Execute the AWS SNS `list_topics` operation", does what that operation's verb
   does). A name without a verb takes the description's; a tool with neither is
   ``other``, treated as a write (fail closed). A name's act that every leading verb of the description
   only explains reads (``cli_install``: "Provide installation instructions"), as does one it asks the user to
   do ("Ask the user to confirm …").
2. **Money**: a mutating verb on a money-moving noun (``create_refund``), or on a money noun with an
   amount argument, is ``financial``, and so is a send or a pay given an amount (``wallet_send`` with
   ``amount``) and a budget argument set (``daily_budget``); a read of money nouns is a read with
   ``financial-data``.
3. **Operations** (``arguments``, ``operations``): a router (noun-first or verb-less name) whose
   ``action``/``operation`` enum lists only known operations does what they say, the worst of them
   (``pipelines_build`` with ``list|get_status`` reads); otherwise operation values only raise the tool, and
   dangerous values on a consolidated tool become a guard the recommendation turns into ``deny_if``. A
   router's free-text operation argument counts as the operations its description names; when it names none,
   the router is read from what its description enumerates (``routers``): only reads is a read, else the
   riskiest named, and nothing placeable is held as a write (one for managing something as destructive).
4. **Code**: an argument carrying code, commands or SQL makes the tool ``execute``; unless the description
   promises it only reads, it can change or destroy anything the server reaches (``arbitrary-code``). A read
   verb's query argument that the description restricts ("read-only", "a SELECT query") keeps it a read.
   Applying or running migrations executes (``effects``).
5. **Wording and options** (``changes``): "permanently", "cannot be undone", "overwrites", an option that
   deletes (``deleteLocalData``, ``overwrite``), or an update of many records at once make a mutating tool
   ``destructive``; "read and write operations" makes a read a write; a verb-less name ending in
   ``context`` switches what later calls act on (a write); a read whose job is writing files (an
   ``output_dir``, "Generates … files") is a write (``effects``); a description that says the call pays makes
   it ``financial``.
6. **Annotations** are untrusted hints: they raise risk (``destructiveHint``, ``readOnlyHint: false``,
   ``openWorldHint``) and lower it only for a server marked ``trusted``.
7. **Level**: the category's base (read low; other and write medium; execute, destructive and financial
   critical: what an execute tool runs is decided outside its definition, which cannot bound what it
   changes), one step up per distinct escalating signal, capped at critical; a tool with instruction-like
   text or hidden Unicode is at least high.

A definition no step foresaw (a step that raises on it) is not let through, nor does it stop the listing it came
in: it is ``destructive`` and ``critical``, with the error as its evidence, and the error is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Final

from portcullis.catalog.arguments import SchemaFacts, read_schema
from portcullis.catalog.changes import changes_step
from portcullis.catalog.dataflow import flow_of
from portcullis.catalog.effects import config_step, file_output_step, migration_step
from portcullis.catalog.infrastructure import infrastructure_step
from portcullis.catalog.lexicon import (
    CALLABLE_NOUNS,
    FINANCIAL_ACTION_NOUNS,
    FINANCIAL_DATA_NOUNS,
    MONEY_NOUNS,
    VERBS,
    Category,
    first_in,
    words,
)
from portcullis.catalog.operations import operation_step
from portcullis.catalog.prose import (
    LeadVerb,
    lead_verbs,
)
from portcullis.catalog.risk import risk_signals
from portcullis.catalog.scan import scan_definition
from portcullis.catalog.tokens import tokenize
from portcullis.catalog.verb_step import arrivals_step, promise_step, sure_leads, topic_step, verb_step
from portcullis.catalog.verbs import (
    NameVerb,
    settle,
)
from portcullis.catalog.verdict import CATEGORIES, LEVELS, Classification, Level, OperationGuard, Signal, Verdict
from portcullis.catalog.wording import (
    can_write,
    pays,
    promises_read_only,
)

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "POISONING_SIGNALS",
    "Classification",
    "Level",
    "OperationGuard",
    "Signal",
    "classify_tool",
]

# Running something is critical: what runs (the code, the command, a pipeline's steps, the build deployed) is
# decided outside the definition, so nothing in it bounds what the run changes or destroys.
_BASE_LEVEL: Final[dict[str, int]] = {"read": 0, "other": 1, "write": 1, "execute": 3, "destructive": 3, "financial": 3}
log = logging.getLogger("portcullis.catalog")

# Signals that raise the level one step: on any tool, or only on tools that change something.
_ESCALATE_ALWAYS: Final[frozenset[str]] = frozenset({"secret-material", "hidden-unicode"})
_ESCALATE_MUTATING: Final[frozenset[str]] = frozenset(
    {"bulk", "raw-payload", "irreversible", "open-world-write", "risk-warning", "arbitrary-code", "access-control"}
)
# Signals of a definition written to steer the model: the tool is at least high, whatever it does (and the
# recommendation holds it).
POISONING_SIGNALS: Final[frozenset[str]] = frozenset({"instruction-in-description", "hidden-unicode"})
_LEVEL_SIGNALS: Final[frozenset[str]] = _ESCALATE_ALWAYS | _ESCALATE_MUTATING | POISONING_SIGNALS

# Verbs that look at code without running it ("validate", "explain", "lint").
_INSPECTING_VERBS: Final[frozenset[str]] = words(
    "validate lint parse format analyze analyse explain check verify scan detect "
    "inspect review diff compare tokenize convert translate summarize "
    "summarise highlight preview decode describe"
)
# "call_service" with a free-text "service": the caller names what runs, any of what the system can do.
_CALLING_VERBS: Final[frozenset[str]] = words("call invoke")
# A send or a pay given an amount moves it.
_SENDING_VERBS: Final[frozenset[str]] = words("send pay withdraw deposit sweep")
_SENT_AMOUNT_RE: Final[re.Pattern[str]] = re.compile(r"amount|sats|satoshis|wei|lamports|msat", re.IGNORECASE)
_RUNNING_VERBS: Final[frozenset[str]] = words("execute exec run eval")
# What holds code written before the call: running one runs whatever it holds.
_STORED_CODE_NOUNS: Final[frozenset[str]] = words(
    "cell cells notebook notebooks script scripts snippet snippets macro macros"
)
_QUERY_ARG_ENDINGS: Final[frozenset[str]] = words("query queries sql statement statements")
# Words after a money-moving noun in a name that leave it the object ("cancel_order_by_id", "refund_id").
# Verbs that get a phone number from a carrier (bought or rented), and what names one.
_GETTING_NUMBERS: Final[frozenset[str]] = words("create provision buy purchase order rent acquire")
_AMOUNT_WORDS: Final[frozenset[str]] = words("amount amounts total totals sum")
_NOT_HEADS: Final[frozenset[str]] = words("id ids by for from to with of in on at tool v1 v2 api request requests")


def _money_step(
    v: Verdict, words: list[str], found: list[NameVerb], facts: SchemaFacts, description: str, strong: list[LeadVerb]
) -> None:
    """Step 2. A name's verb that its object settled as no payment (``transfer_tickets``) is no money noun."""
    if v.category not in ("financial", "destructive"):
        paying = pays(description)
        if paying is not None:  # "Fetch a URL … it will be paid automatically from the wallet"
            v.raise_to("financial", "pays", f'the description says "{paying}": the call moves money')
            return
    if v.category in ("write", "execute", "other"):
        action = first_in(words, FINANCIAL_ACTION_NOUNS)
        if action is not None:
            unpaid = {f.index for f in found if f.category != "financial"}
            action = next(
                (
                    w
                    for i, w in enumerate(words)
                    if w in FINANCIAL_ACTION_NOUNS and i not in unpaid and not _modifies_another_noun(words, i)
                ),
                None,
            )
        money = first_in(words, MONEY_NOUNS)
        if action is not None:
            v.raise_to("financial", "financial-object", f"a mutating verb on the money-moving noun '{action}'")
        elif facts.amounts and found and strong and (ordered := _ordered_in_description(strong[0])) is not None:
            # "set_stop_loss": "Set stop-loss order for a position", with "stop_price": an order to trade
            v.raise_to(
                "financial",
                "financial-object",
                f"the description's '{strong[0].written}' is of the money-moving noun '{ordered}', with the "
                f"amount argument '{facts.amounts[0]}'",
            )
        elif money is not None and facts.amounts:
            v.raise_to(
                "financial",
                "financial-object",
                f"a mutating verb on '{money}' with the amount argument '{facts.amounts[0]}'",
            )
        elif found and found[0].verb in _GETTING_NUMBERS and _names_a_phone_number(words):
            # "create_phone_number", "provision_number": a number rented from a carrier, billed every month
            v.raise_to("financial", "financial-object", f"'{found[0].written}' a phone number: one is bought")
        elif budget := next((a for a in facts.amounts if "." not in a and a.lower().endswith("budget")), None):
            # "create_campaign" with "daily_budget": what the account will be charged to spend
            v.raise_to("financial", "financial-object", f"argument '{budget}' sets a budget the account is charged")
        elif facts.amounts and any(f.verb in _SENDING_VERBS for f in found):  # "lw_send": "Send L-BTC to an address"
            sent = next((a for a in facts.amounts if "." not in a and "[" not in a and _SENT_AMOUNT_RE.search(a)), None)
            if sent is not None:
                v.raise_to("financial", "financial-object", f"it sends what the amount argument '{sent}' says: money")
    if v.category == "read":
        noun = first_in(words, FINANCIAL_DATA_NOUNS)
        if noun is not None:
            v.add("financial-data", f"reads financial data ('{noun}'); it does not move money")


def _names_a_phone_number(words: list[str]) -> bool:
    """The name is of a phone number ("phone_number", "provision_number" after its verb, "phone_numbers")."""
    numbered = "number" in words or "numbers" in words
    return numbered and ("phone" in words or (words[-1] in ("number", "numbers") and len(words) == 2))


def _modifies_another_noun(words: list[str], i: int) -> bool:
    """The money-moving noun at ``i`` names what another noun after it belongs to ("create_order_note",
    "payment_method_attach"): that noun is the object, and changing it moves no money."""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if not nxt.isalpha() or nxt in _NOT_HEADS or nxt in VERBS:
        return False
    # no money word after it ("bill_manager_invoice", "charge_capped_amount"): what it names is no sum either
    return all(w not in FINANCIAL_DATA_NOUNS and w not in _AMOUNT_WORDS for w in words[i + 1 :])


_OBJECT_ENDS: Final[frozenset[str]] = words("of in on at to into with within for from by via using against as per")


def _ordered_in_description(lead: LeadVerb) -> str | None:
    """The money-moving noun in the object of the description's mutating lead verb ("Set stop-loss order for a
    position": order), or None."""
    if settle(lead.verb, lead.following) == "read":
        return None
    for word in lead.following:
        if word in _OBJECT_ENDS:  # "Set the label of a card in the order of display": not the label's
            return None
        if word in FINANCIAL_ACTION_NOUNS:
            return word
    return None


def _is_query_argument(path: str) -> bool:
    """An argument that carries a query (``sql``, ``params.query``), not a script or a command."""
    return bool(_QUERY_ARG_ENDINGS.intersection(tokenize(path.rsplit(".", 1)[-1])[-1:]))


def _code_step(v: Verdict, facts: SchemaFacts, found: list[NameVerb], description: str, words: list[str]) -> None:
    """Step 4."""
    if not facts.code:
        if v.category == "execute" and found and found[0].verb in _RUNNING_VERBS:
            stored = first_in(words[found[0].index + 1 :], _STORED_CODE_NOUNS)
            if stored is not None:  # "execute_cell", "run_script": the code is already there, whatever it is
                v.add(
                    "arbitrary-code",
                    f"'{found[0].written}' runs the code a {stored} holds: it can change or destroy anything "
                    "the server reaches",
                )
        return
    arg = facts.code[0]
    if found and found[0].verb in _INSPECTING_VERBS and v.category == "read":
        v.add("code-exec", f"argument '{arg}' carries code that '{found[0].written}' reads, not runs")
        return
    writes = can_write(description)
    promise = promises_read_only(description)
    if v.category == "read" and writes is None and promise is not None and _is_query_argument(arg):
        # "query_logs": "Runs a custom read-only … SQL query": a read, on the server's word
        v.add("code-exec", f"argument '{arg}' carries a query that '{found[0].written if found else 'it'}' reads with")
        v.add("read-only-promise", f'the description says "{promise}" (the server enforces that, not the gateway)')
        return
    v.add("code-exec", f"argument '{arg}' carries code, a command or a query to run")
    v.raise_to("execute", "code-argument", f"runs what argument '{arg}' says")
    if writes is not None:
        v.add("arbitrary-code", f"argument '{arg}' runs statements that can write (the description says \"{writes}\")")
    elif promise is not None:
        v.add("read-only-promise", f'the description says "{promise}" (the server enforces that, not the gateway)')
    else:
        v.add(
            "arbitrary-code",
            f"argument '{arg}' runs whatever it is given: it can change or destroy anything the server reaches",
        )


def _open_call_step(v: Verdict, words: list[str], found: list[NameVerb], facts: SchemaFacts) -> None:
    """Step 3, last: a tool that calls a service, function or tool the caller names in free text
    (``call_service`` with ``service``) may run any of them, deleting ones among them: destructive."""
    if not facts.callables:
        return
    call = next((f for f in found if f.verb in _CALLING_VERBS), None)
    noun = first_in(words[call.index + 1 :], CALLABLE_NOUNS) if call is not None else None
    if call is None or noun is None:
        return
    v.raise_to(
        "destructive",
        "open-operation",
        f"'{call.written}' runs the {noun} named in the free-text argument '{facts.callables[0]}': any of them, "
        "deleting ones among them",
    )


def _annotation_step(v: Verdict, annotations: Any, trusted: bool) -> None:
    """Step 6."""
    if annotations is None or not isinstance(annotations, (dict, Mapping)):  # a dict is not tested as an ABC
        return
    read_only = annotations.get("readOnlyHint")
    destructive = annotations.get("destructiveHint")
    named = v.category
    if read_only is True and named != "read":
        v.add(
            "annotation-conflict",
            f"readOnlyHint is true but the definition says {named}" + ("" if trusted else "; the hint is not trusted"),
        )
        if trusted:
            v.set("read", "trusted-annotation", "the server is trusted: readOnlyHint lowers the category to read")
    elif read_only is False and named == "read":
        v.add("annotation-conflict", "readOnlyHint is false but the definition says read")
        v.raise_to("write", "annotated-mutating", "readOnlyHint is false: the server says it changes state")
    if destructive is True and read_only is not True and v.category not in ("destructive", "financial"):
        if named == "read":
            v.add("annotation-conflict", "destructiveHint is true but the definition says read")
        v.set("destructive", "annotated-destructive", "destructiveHint is true: the server says it may destroy data")
    elif destructive is False and trusted and v.category == "destructive" and read_only is not True:
        v.set(
            "write", "trusted-annotation", "the server is trusted: destructiveHint false lowers the category to write"
        )


def _level(category: Category, signals: list[Signal]) -> Level:
    step = _BASE_LEVEL[category]
    mutating = category != "read"
    counted: list[str] = []  # the distinct escalating signals (most tools have none: no set is made)
    poisoned = False
    for signal in signals:
        sid = signal.id
        if sid not in _LEVEL_SIGNALS:
            continue
        poisoned = poisoned or sid in POISONING_SIGNALS
        if (sid in _ESCALATE_ALWAYS or (mutating and sid in _ESCALATE_MUTATING)) and sid not in counted:
            counted.append(sid)
    step += len(counted)
    if poisoned:
        step = max(step, 2)
    return LEVELS[min(step, 3)]


def classify_tool(tool: Mapping[str, Any], *, trusted: bool = False) -> Classification:
    """Classify one MCP tool definition (``{"name", "description", "inputSchema", "annotations", ...}``)."""
    try:
        return _classify(tool, trusted)
    except Exception as exc:  # an upstream's definition must stop neither the gateway nor its server's listing
        raw_name = tool.get("name") if isinstance(tool, Mapping) else None
        name = raw_name if isinstance(raw_name, str) else ""
        log.exception("the classifier failed on the definition of tool %r: held as destructive", name[:200])
        failed = Signal(
            "classifier-failed",
            f"the classifier could not read this definition ({type(exc).__name__}): held as destructive, critical, "
            "until a person looks at it (portcullis tools show)",
        )
        return Classification(name, "destructive", "critical", (failed,), None, failed, ())


def _classify(tool: Mapping[str, Any], trusted: bool) -> Classification:
    raw_name = tool.get("name")
    name = raw_name if isinstance(raw_name, str) else ""
    raw_description = tool.get("description")
    description = raw_description if isinstance(raw_description, str) else ""
    annotations = tool.get("annotations")
    words = tokenize(name)
    facts = read_schema(tool.get("inputSchema"), description)
    leads = lead_verbs(description)
    strong_leads = sure_leads(leads)
    verdict, objects, found = verb_step(name, words, leads, description, strong_leads)
    promise_step(verdict, description)
    topic_step(verdict, found, strong_leads)
    arrivals_step(verdict, found, description)
    _money_step(verdict, objects, found, facts, description, strong_leads)
    guard = operation_step(verdict, facts, found, words, description)
    if verdict.category != "read":
        _open_call_step(verdict, words, found, facts)
    _code_step(verdict, facts, found, description, words)
    if verdict.category in ("write", "execute"):
        migration_step(verdict, words, description)
    changes_step(
        verdict, words, found, [*words, *(leads[0].following if leads else ())], description, facts, name, leads
    )
    infrastructure_step(verdict, found, words, description, facts)
    if facts.configs or facts.definitions:
        config_step(verdict, found, facts.configs, facts.definitions)
    if verdict.category == "read":
        file_output_step(verdict, found, description, facts.outputs, facts.required_outputs)
    _annotation_step(verdict, annotations, trusted)
    risk_signals(verdict, words, description, facts, annotations)
    for hit in scan_definition(tool):
        verdict.add(hit.signal, hit.evidence)
    if guard is not None and verdict.category != guard.category:
        guard = None
    return Classification(
        name,
        verdict.category,
        _level(verdict.category, verdict.signals),
        tuple(verdict.signals),
        guard,
        verdict.decided_by,
        flow_of(words, description, annotations, verdict.category, facts.urls),
    )
