"""Step 1 of the classifier: the category from the verbs of a tool's name and of its description.

The name's verb, first or last or past vendor prefixes, settled by its object; then the verbs that lead the
description's first sentence, which raise it. A name without a verb takes the description's, a title's next
paragraph's, or a record's title says it reads; a tool with neither is ``other`` (a write, failing closed). A
name's act that the description only explains, leaves to the user, or a subscription that only collects what
arrives, reads; a description that promises a verb-less tool only reads is taken at its word.
"""

from __future__ import annotations

import re
from typing import Final

from portcullis.catalog.lexicon import (
    AMBIGUOUS_VERBS,
    CATEGORY_RANK,
    READ_NOUNS,
    SUFFIX_VERBS,
    VERBS,
    WEAK_IN_NAMES,
    WEAK_VERBS,
    Category,
    first_in,
    words,
)
from portcullis.catalog.prose import (
    LeadVerb,
    all_read,
    follows_an_article,
    later_lead_verbs,
    titled_record,
    verb_in_first_sentence,
)
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
from portcullis.catalog.verdict import Verdict
from portcullis.catalog.wording import can_write, promises_read_only

__all__ = ["arrivals_step", "promise_step", "sure_leads", "topic_step", "verb_step"]

_MECHANISM_VERBS: Final[frozenset[str]] = words("call invoke use access connect select choose pick authenticate")
# Programs that run what they are given (a script, a target, a file of code), and package managers' commands that
# run a package's scripts: their command line, the object of "run", runs code.
_RUNNING: Final[frozenset[str]] = words("run execute exec")
_INTERPRETERS: Final[frozenset[str]] = words("make bash sh zsh python node deno npx bunx")
_SCRIPT_RUNNERS: Final[frozenset[str]] = words("npm yarn pnpm bun")
_SCRIPT_COMMANDS: Final[frozenset[str]] = words("run exec start test build dlx x")
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
# Words a verb's object opens with: after a word the lexicon lacks, they show that word is a verb.
_OBJECT_OPENERS: Final[frozenset[str]] = words("the a an all every each any its their your this these those")


def _rank(category: Category) -> int:
    return CATEGORY_RANK[category]


def _strong(lead: LeadVerb) -> bool:
    """A lead verb that is surely a verb: not one that doubles as a noun, unless written as one ("Runs"), followed
    by an article ("Trigger a search") or running a script ("Run npm run onboard to …")."""
    return not lead.hedged and (
        lead.verb not in WEAK_VERBS or lead.third_person or lead.before_article or _runs_a_script(lead)
    )


def _runs_a_script(lead: LeadVerb) -> bool:
    """A run whose object is a command line that runs a script or a program: "Run npm run onboard", "Execute make
    deploy", "Run python seed.py" (not "Run npm view react": a package manager's own read)."""
    following = lead.following
    if lead.verb not in _RUNNING or not following:
        return False
    program = following[0]
    return program in _INTERPRETERS or (
        program in _SCRIPT_RUNNERS and len(following) > 1 and following[1] in _SCRIPT_COMMANDS
    )


def _lead_category(lead: LeadVerb, words: list[str], description: str) -> Category:
    """What a description's lead verb does, settled by its object, or by the API operation it runs."""
    if _runs_a_script(lead):
        return "execute"
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


def sure_leads(leads: list[LeadVerb]) -> list[LeadVerb]:
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
    adverb before a verb ("Automatically reset failed units"; the caller has ruled out an order whose verb the
    lexicon lacks, "Bring the window to the front")."""
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


def verb_step(
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
    order = _opens_with_unknown_verb(description)  # an order whose verb the lexicon lacks is no title
    if words and words[-1] in READ_NOUNS and not order:
        v.set("read", "read-verb", f"no verb anywhere; the name ends in the record noun '{words[-1]}'")
    elif not order and (title := titled_record(description)):
        v.set("read", "read-verb", f"no verb anywhere; the description is the title of a record, a '{title[-1]}'")
    elif not order and (later := _titled_leads(description)):
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


def promise_step(v: Verdict, description: str) -> None:
    """Step 1, for a tool with no verb anywhere: a description that calls it read-only ("Read-only migration
    assessment …") places it, on the server's word, where it would otherwise be held as a write."""
    if v.category != "other" or can_write(description) is not None:
        return
    promise = promises_read_only(description)
    if promise is not None:
        v.set("read", "read-only-promise", f'no verb; the description says "{promise}" (the server enforces that)')


def topic_step(v: Verdict, found: list[NameVerb], strong: list[LeadVerb]) -> None:
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


def arrivals_step(v: Verdict, found: list[NameVerb], description: str) -> None:
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
