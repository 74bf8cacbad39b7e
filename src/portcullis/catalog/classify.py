"""Classify one MCP tool definition: category, level, every signal with its evidence, and the deciding rule.

Pure and deterministic: the same definition always gives the same answer. It reads the whole
definition as a person would; each step may only *raise* the category (fail closed), except a router
whose operation list is known exactly or enumerated in its description (step 3), and a name's act that the
description only explains or leaves to the user, or a name's word the description's read takes as a noun in its
object (step 1), and a read verb's query the description promises only reads (step 4). The steps, in order:

1. **Verbs** (``verbs``, ``prose``): the name's verb, first or last or past vendor prefixes, settled by
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
    AMBIGUOUS_VERBS,
    CALLABLE_NOUNS,
    CATEGORY_RANK,
    FINANCIAL_ACTION_NOUNS,
    FINANCIAL_DATA_NOUNS,
    MONEY_NOUNS,
    READ_NOUNS,
    SUFFIX_VERBS,
    VERBS,
    WEAK_IN_NAMES,
    WEAK_VERBS,
    Category,
    first_in,
    words,
)
from portcullis.catalog.operations import operation_step
from portcullis.catalog.prose import (
    LeadVerb,
    all_read,
    follows_an_article,
    later_lead_verbs,
    lead_verbs,
    titled_record,
    verb_in_first_sentence,
)
from portcullis.catalog.risk import risk_signals
from portcullis.catalog.scan import scan_definition
from portcullis.catalog.tokens import prose_words, tokenize
from portcullis.catalog.verbs import (
    NameVerb,
    act_as_topic,
    act_left_to_user,
    first_hit,
    name_verb,
    noun_in_object,
    same_meaning,
    settle,
    strongest,
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

_MECHANISM_VERBS: Final[frozenset[str]] = words("call invoke use access connect select choose pick authenticate")
# Verbs that look at code without running it ("validate", "explain", "lint").
_INSPECTING_VERBS: Final[frozenset[str]] = words(
    "validate lint parse format analyze analyse explain check verify "
    "inspect review diff compare tokenize convert translate summarize "
    "summarise highlight preview decode describe"
)
# "call_service" with a free-text "service": the caller names what runs, any of what the system can do.
_CALLING_VERBS: Final[frozenset[str]] = words("call invoke")
# What joins a second act to a first ("Pull a repo and run a notebook"), and what opens the second's object (not
# "one" or "any": "select and run one of the following read operations" chooses among them).
_CHAINING: Final[frozenset[str]] = words("and then")
_ARTICLES: Final[frozenset[str]] = words("a an the it its this these both each every all your their")
# A description that runs an API operation it names ("Execute the AWS SNS `publish` operation", "Performs the
# ListBuckets API call"): the operation's verb says what the tool does.
_OPERATION_RUNNERS: Final[frozenset[str]] = words("execute exec run perform performs invoke call")
_API_CALLS: Final[frozenset[str]] = words("operation operations api request requests endpoint action")
# The operation named: a code span (`list_topics`) or a word in CamelCase (ListBuckets).
_NAMED_OPERATION_RE: Final[re.Pattern[str]] = re.compile(
    r"`([A-Za-z][\w.:/-]{1,80})`|\b([A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)\b"
)
# A send or a pay given an amount moves it.
_SENDING_VERBS: Final[frozenset[str]] = words("send pay withdraw deposit sweep")
_SENT_AMOUNT_RE: Final[re.Pattern[str]] = re.compile(r"amount|sats|satoshis|wei|lamports|msat", re.IGNORECASE)
_RUNNING_VERBS: Final[frozenset[str]] = words("execute exec run eval")
# What holds code written before the call: running one runs whatever it holds.
_STORED_CODE_NOUNS: Final[frozenset[str]] = words(
    "cell cells notebook notebooks script scripts snippet snippets macro macros"
)
_QUERY_ARG_ENDINGS: Final[frozenset[str]] = words("query queries sql statement statements")
# Words a verb's object opens with: after a word the lexicon lacks, they show that word is a verb.
_OBJECT_OPENERS: Final[frozenset[str]] = words("the a an all every each any its their your this these those")


def _rank(category: Category) -> int:
    return CATEGORY_RANK[category]


def _strong(lead: LeadVerb) -> bool:
    """A lead verb that is surely a verb: not one that doubles as a noun, unless written as one ("Runs")."""
    return not lead.hedged and (lead.verb not in WEAK_VERBS or lead.third_person)


def _lead_category(lead: LeadVerb, words: list[str], description: str) -> Category:
    """What a description's lead verb does, settled by its object, or by the API operation it runs."""
    operation = _named_operation(lead, description)
    return operation[1] if operation is not None else settle(lead.verb, lead.following, words)


def _named_operation(lead: LeadVerb, description: str) -> tuple[str, Category] | None:
    """The API operation a lead verb runs, as written, and what its own verb does: "Execute the AWS SNS
    `list_topics` operation", "Performs the ListBuckets API call" (a read); None when the lead runs no named
    operation, or one whose name holds no verb the lexicon knows (it runs, then)."""
    if lead.verb not in _OPERATION_RUNNERS or _API_CALLS.isdisjoint(lead.following[:10]):
        return None
    named = _NAMED_OPERATION_RE.search(description, 0, 300)
    if named is None:
        return None
    written = named.group(1) or named.group(2)
    operation = name_verb(tokenize(written))
    return (written, strongest(operation).category) if operation else None


def _strong_leads(leads: list[LeadVerb]) -> list[LeadVerb]:
    """The leads that are surely verbs: strong ones, and a weak one joined to a strong one by "and" or "then" and
    followed by its object's article ("Pull a repo and run a notebook"; not "… and run history")."""
    strong: list[LeadVerb] = []
    for i, lead in enumerate(leads):
        joined = bool(strong) and strong[-1] is leads[i - 1] and not lead.hedged and _chained(leads[i - 1], lead)
        if joined or _strong(lead):
            strong.append(lead)
    return strong


def _chained(before: LeadVerb, lead: LeadVerb) -> bool:
    following = before.following
    for j in range(1, len(following) - 1):
        if following[j] == lead.written.lower() and following[j - 1] in _CHAINING and following[j + 1] in _ARTICLES:
            return True
    return False


def _opens_with_unknown_verb(description: str) -> bool:
    """The description opens as an order whose verb the lexicon lacks ("Squash the branch history"): a word
    that is no known verb, then what a verb takes as its object ("the", "a", "all", "every" …)."""
    opening = prose_words(description, 2)
    return len(opening) == 2 and opening[0] not in VERBS and opening[1] in _OBJECT_OPENERS


def _titled_leads(description: str) -> list[LeadVerb]:
    """The later paragraph's leads (``later_lead_verbs``) of a description that opens with a title, not with an
    order whose verb the lexicon lacks ("Bring the window to the front") or an adverb before one ("Automatically
    reset failed units")."""
    if _opens_with_unknown_verb(description):
        return []
    opening = prose_words(description, 1)
    if opening and opening[0].endswith("ly"):
        return []
    return later_lead_verbs(description)


def _read_as_noun(found: list[NameVerb], strong_leads: list[LeadVerb], words: list[str], description: str) -> bool:
    """The name's verb is a word the description, which only reads, uses as a noun: in its verb's object, or
    after an article ("trash_items": "Retrieve items in the trash"). A verb that opens the name is a verb
    ("profile_function": "Read the profile of a function"), but before a record noun ("push_status": "Check push
    notification availability")."""
    main = found[0] if len(found) == 1 else strongest(found)
    if main.category == "read" or not all_read(strong_leads):
        return False
    if (main.index > 0 or (len(words) > 1 and words[1] in READ_NOUNS)) and noun_in_object(
        main, strong_leads[0].following
    ):
        return True
    return follows_an_article(main.written, description)


def _titled_by_its_record(found: list[NameVerb], words: list[str], description: str) -> bool:
    """The name's verb comes before the record noun a verbless description is the title of ("ingest_status":
    "Status of a Data Ingestion job"): a noun that names the record, not an act."""
    title = titled_record(description)
    if not title:
        return False
    # the record noun opens the description: not an order whose verb is unknown ("Combine two records"), nor a
    # title that says the verb ("Reverse resolve multiple addresses to ENS names")
    main = strongest(found)
    return title[0] == title[-1] and words[main.index + 1 : main.index + 2] == [title[-1]]


def _verb_step(
    name: str, words: list[str], leads: list[LeadVerb], description: str, strong_leads: list[LeadVerb]
) -> tuple[Verdict, list[str], list[NameVerb]]:
    """Step 1: the category from the verbs of the name and of the description, and the verb's object."""
    found = name_verb(words)
    if found and found[0].verb in WEAK_IN_NAMES and found[0].verb not in SUFFIX_VERBS and strong_leads:
        found = []  # "new_pools_browser", "type": the description's verb says more than a word that may be a noun
    if found and strong_leads and _read_as_noun(found, strong_leads, words, description):
        found = []  # "…_store_profile": "Read the store profile data": the description reads the word as a noun
    elif found and not leads and _titled_by_its_record(found, words, description):
        found = []
    if found:
        main = strongest(found)
        settled = first_hit(main.verb, words[main.index + 1 :] + words[: main.index])
        how = f", settled by its object '{settled}'" if settled else ""
        same = None if settled else next((lead for lead in strong_leads if lead.verb == main.verb), None)
        if not settled and same is None and main.verb in AMBIGUOUS_VERBS:
            same = next((lead for lead in leads if same_meaning(main.verb, lead.verb)), None)  # "execute"/"Run"
            if same is None and all(lead.verb != main.verb for lead in leads):
                # "emergency_exit": "Emergency exit all positions", the verb leading no clause
                same = verb_in_first_sentence(main.verb, description)
        if same is not None and first_hit(main.verb, same.following):
            # the name's verb has no object there; the description's sentence with the same verb gives it
            settled = first_hit(main.verb, same.following)
            main = NameVerb(main.index, main.written, main.verb, settle(main.verb, same.following))
            found = [main if f.index == main.index else f for f in found]
            how = f", settled by its object in the description '{settled}'"
        kind = "verb" if main.verb in VERBS else "word"
        base = f" ({main.verb})" if main.written != main.verb else ""
        v = Verdict(main.category)
        v.set(
            main.category,
            f"{main.category}-verb",
            f"{kind} '{main.written}'{base} {main.where(len(words))} '{name}'{how}",
        )
        for lead in strong_leads:
            if lead.verb in _MECHANISM_VERBS:
                continue  # "Calls the API to …": how it works, not what it does
            category = _lead_category(lead, words, description)
            if v.raises(category):  # the evidence is written only for a verb that raises the category
                v.raise_to(
                    category,
                    "description-verb",
                    f"the description's verb '{lead.written}' ({category}) says more than the name's '{main.written}'",
                )
        return v, words, found
    if leads:
        best, category = max(
            ((lead, _lead_category(lead, words, description)) for lead in leads), key=lambda pair: _rank(pair[1])
        )
        listed = ", ".join(f"'{lead.written}'" for lead in leads)
        v = Verdict(category)
        operation = _named_operation(best, description)
        v.set(
            category,
            f"{category}-verb",
            f"no verb in the name; the description's verb '{best.written}'"
            + (f" (of {listed})" if len(leads) > 1 else "")
            + (f", which runs the operation '{operation[0]}'" if operation is not None else ""),
        )
        return v, [*words, *best.following], []
    v = Verdict("other")
    later = _titled_leads(description)
    if words and words[-1] in READ_NOUNS and not _opens_with_unknown_verb(description):
        v.set("read", "read-verb", f"no verb anywhere; the name ends in the record noun '{words[-1]}'")
    elif (title := titled_record(description)) and not _opens_with_unknown_verb(description):
        v.set("read", "read-verb", f"no verb anywhere; the description is the title of a record, a '{title[-1]}'")
    elif later:
        lead = later[0]
        category = _lead_category(lead, words, description)
        v = Verdict(category)
        v.set(
            category,
            f"{category}-verb",
            f"no verb in the name or the description's first paragraph (a title); the next one's verb '{lead.written}'",
        )
        return v, [*words, *lead.following], []
    else:
        v.set("other", "unclassified", "no known verb in the name or the description: treated as a write (fail closed)")
    return v, words, []


def _promise_step(v: Verdict, description: str) -> None:
    """Step 1, for a tool with no verb anywhere: a description that calls it read-only ("Read-only migration
    assessment …") places it, on the server's word, where it would otherwise be held as a write."""
    if v.category != "other" or can_write(description) is not None:
        return
    promise = promises_read_only(description)
    if promise is not None:
        v.set("read", "read-only-promise", f'no verb; the description says "{promise}" (the server enforces that)')


def _topic_step(v: Verdict, found: list[NameVerb], strong: list[LeadVerb]) -> None:
    """Step 1, last: a name's act that the description only explains ("cli_install": "Provide installation
    instructions for the CLI") is a read, when every verb leading the description reads."""
    if not found or v.category == "read" or not strong:
        return
    if not all_read(strong):
        return
    main = strongest(found)
    left = act_left_to_user(main.verb, strong[0].verb, strong[0].following)
    if left is not None:
        v.set("read", "act-by-user", f"the description's '{strong[0].written} {left}': the user acts, the tool asks")
        return
    topic = act_as_topic(main.verb, strong[0].following)
    if topic is not None:
        v.set(
            "read",
            "act-as-topic",
            f"the description's '{strong[0].written}' gives '{topic}': it explains '{main.written}', it does not do it",
        )


# A subscription or a connection that only collects what arrives for a while, and returns it.
_STREAMING_VERBS: Final[frozenset[str]] = words("subscribe listen connect")
_COLLECTING_VERBS: Final[tuple[str, ...]] = ("collect", "return", "gather")
_ARRIVALS: Final[frozenset[str]] = words(
    "message messages event events notification notifications update updates sample samples value values frame frames"
)


def _arrivals_step(v: Verdict, found: list[NameVerb], description: str) -> None:
    """Step 1, last: "subscribe_for_duration": "Subscribe to a topic for a duration and collect messages" reads
    what arrives; it keeps no subscription ("Subscribe an endpoint to a topic" does)."""
    if v.category != "write" or not found or strongest(found).verb not in _STREAMING_VERBS:
        return
    for verb in _COLLECTING_VERBS:
        lead = verb_in_first_sentence(verb, description)
        if lead is not None:
            arrived = first_in(list(lead.following[:4]), _ARRIVALS)
            if arrived is not None:
                v.set(
                    "read",
                    "collects-arrivals",
                    f"the description's '{lead.written}' ... '{arrived}': it returns what arrives and keeps nothing",
                )
                return


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
        if action is not None and found:
            unpaid = {f.index for f in found if f.category != "financial"}
            action = next((w for i, w in enumerate(words) if w in FINANCIAL_ACTION_NOUNS and i not in unpaid), None)
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
    strong_leads = _strong_leads(leads)
    verdict, objects, found = _verb_step(name, words, leads, description, strong_leads)
    _promise_step(verdict, description)
    _topic_step(verdict, found, strong_leads)
    _arrivals_step(verdict, found, description)
    _money_step(verdict, objects, found, facts, description, strong_leads)
    guard = operation_step(verdict, facts, found, len(words), description)
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
