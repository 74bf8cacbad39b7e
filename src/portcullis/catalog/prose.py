"""Read a tool's description as a person would: the verbs that lead it (what it says about risk is in
``wording`` and ``losses``; how it splits into sentences and tokens, in ``sentences``).

- **Lead verbs.** The verbs that open a clause of the first sentence ("Stop and remove a container, then
  run a new one": stop, remove, run; "Notion | Update a block": update; "Manage contexts - list, get, or
  set the current one": manage, list, get, set). A word counts as a verb only where a verb can stand: at
  the start of a clause (after filler such as "This tool allows you to"), or chained to a verb by
  "and"/"or"/","/"then". Type names (``List[str]``) and nouns after an article ("the list of") are not
  verbs, and neither is anything after the first sentence or in a docstring's ``Args:`` section.
- **Side effects**: verbs that open a later sentence in the third person ("Stores the paper locally.").
- **Purposes**: the activities a sentence without a verb of its own names ("Commands for managing …").
"""

from __future__ import annotations

from typing import Final, NamedTuple

from portcullis.catalog.lexicon import DESCRIPTION_FILLER, NAME_ONLY_VERBS, READ_NOUNS, SIDE_EFFECT_VERBS, VERBS, words
from portcullis.catalog.sentences import sentences
from portcullis.catalog.tokens import CaselessPattern, letters
from portcullis.catalog.verbs import base_of, settle

__all__ = [
    "LeadVerb",
    "all_read",
    "follows_an_article",
    "later_lead_verbs",
    "lead_verbs",
    "purpose_verbs",
    "side_effects",
    "titled_record",
    "verb_in_first_sentence",
]

_BOUNDARIES: Final[frozenset[str]] = frozenset([":", ";", "|", "-", "–", "—"])
_DASHES: Final[frozenset[str]] = frozenset(["-", "–", "—"])
# Words that end a run of chained verbs: what follows describes the object ("wallets that hold or trade").
_CHAIN_STOPS: Final[frozenset[str]] = words(
    "that which who whose where when while if whether unless because so but not without except"
)
_CHAIN_ENDS: Final[frozenset[str]] = _BOUNDARIES | _CHAIN_STOPS


# The third-person forms of the side-effect verbs: a word token that is one of them is a run of letters.
def _third_person(verb: str) -> str:
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "o", "u"):
        return verb[:-1] + "ies"  # "modifies"
    return verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")


_SIDE_EFFECT_FORMS: Final[frozenset[bytes]] = frozenset(_third_person(v).encode() for v in SIDE_EFFECT_VERBS)
_COPULAS: Final[frozenset[str]] = words("are is was were be been have has had can will may must should of for from")
# Verbs that, opening a later sentence ("This starts an asynchronous verification process."), say the tool sets
# work going; not where a read begins ("Starts at the first page"). Their third-person forms are common words
# elsewhere ("list triggers"): a description is parsed for them only when one opens a sentence.
_STARTING: Final[frozenset[str]] = words("start trigger")
_STARTING_FORMS: Final[frozenset[bytes]] = frozenset((b"starts", b"triggers"))
_STARTS_SENTENCE_RE = CaselessPattern(r"[.!?]\s+(?:(?:this|it|that)\s+)?(?:starts|triggers)\b", ())
_PLACES: Final[frozenset[str]] = words("at from with on in after before when until by")
_ENABLERS: Final[frozenset[str]] = words("allows allow lets let enables enable helps help")
_SUBJECTS: Final[frozenset[str]] = words("api endpoint tool function server service method command that which it")
_PURPOSE_OPENERS: Final[frozenset[str]] = words("for by on including supports support allows enables")
_ACTIVITY_NOUNS: Final[frozenset[str]] = words("commands command operations tools utilities functions actions")
_MECHANISMS: Final[frozenset[str]] = words("use call invoke leverage employ access")
_HEDGES: Final[frozenset[str]] = words("help helps")
_ARTICLES: Final[frozenset[str]] = words("the a an")  # "The sum of": a noun follows
_RELATIVES: Final[frozenset[str]] = words("that which")
_ABOUT_THE_TOOL: Final[frozenset[str]] = _SUBJECTS | DESCRIPTION_FILLER  # "a tool that …", "the API which …"
_CONJUNCTIONS: Final[frozenset[str]] = words("and or then , / & also optionally")
_CHAIN_MARKS: Final[frozenset[str]] = _CHAIN_ENDS | _CONJUNCTIONS  # what _chain stops at in a run of other words
# Words that open a verb's object ("place both formats", "run a notebook"): after a word that may be a verb, they
# make it one.
_OBJECT_OPENERS: Final[frozenset[str]] = words(
    "a an the it them its their all any this that these those new one both some our my "
    "multiple existing every each your one or more specified given"
)
# Verbs that are hardly ever nouns after "and": chained with whatever word follows ("Disconnect the account and remove
# stored credentials"), where another verb needs an article after it ("List users and groups": "groups" is no act).
_PLAIN_DELETING: Final[frozenset[str]] = words("delete remove erase purge destroy wipe")
# Words that double as nouns, but before an article are surely the verb that sets something going ("Trigger a
# search", "Schedule a RESUME action"); not those whose object still leaves them open ("Run an aggregation": a
# query; "Request a quote", "Track a parcel": reads), which the step that settles them by their object decides.
_SURE_BEFORE_ARTICLES: Final[frozenset[str]] = words("trigger queue schedule resume release split forward extend")
# What makes a request one sent over the network to ask ("a lightweight health request", "an HTTP GET request").
_NETWORK_REQUEST_WORDS: Final[frozenset[str]] = words("http https get head api health lightweight network test ping")
# An order to the agent about when to call the tool: "Use this right after …", "Call it before …".
_CALLING: Final[frozenset[str]] = words("use call invoke run")
_THIS_TOOL: Final[frozenset[str]] = words("this it")
_WHEN_WORDS: Final[frozenset[str]] = words("when whenever after before once if right only first instead")
# The tokens that change the state of _sentence_lead_verbs's walk in the middle of a clause.
_CLAUSE_WORDS: Final[frozenset[str]] = _BOUNDARIES | _ENABLERS | _ACTIVITY_NOUNS | _SUBJECTS | {"/"}


class LeadVerb(NamedTuple):
    """One verb that leads a clause of the description, as its base form, and the words after it (a named
    tuple: made for every verb of every description, it is built at C speed)."""

    verb: str
    written: str  # as written ("Deletes")
    third_person: bool  # "Deletes" rather than "Delete": a verb for sure, not a noun
    following: tuple[str, ...]
    hedged: bool = False  # "helps debug": what the tool helps with, not what it does
    # an article right after it ("Trigger a search"): a verb for sure, though the word doubles as a noun
    before_article: bool = False


def all_read(leads: list[LeadVerb]) -> bool:
    """Every one of ``leads`` reads, settled by its object ("Get a thread's context"); True for none."""
    return all(settle(lead.verb, lead.following) == "read" for lead in leads)


def _as_verb(word: str) -> tuple[str, bool] | None:
    """The base form of a verb written in the base or third person ("deletes" → delete), or None."""
    if word in VERBS:
        return (word, False) if word not in NAME_ONLY_VERBS else None
    if not word.endswith("s"):
        return None
    verb = base_of(word)
    if verb is None or verb in NAME_ONLY_VERBS or base_of(verb + "s") != verb:
        return None
    return verb, True


def _tame_verb(word: str) -> bool:
    """A verb that reads or writes: in a relative clause on the object, it only describes the object."""
    verb = _as_verb(word)
    return verb is not None and VERBS[verb[0]] in ("read", "write")


def verb_in_first_sentence(verb: str, description: str) -> LeadVerb | None:
    """``verb`` written anywhere in the description's first sentence, with the words after it ("Emergency exit all
    positions at market prices": exit, "all positions at market prices"), or None."""
    first = sentences(description, most=1)
    tokens = first[0] if first else ()
    for i, token in enumerate(tokens):
        found = _as_verb(token)
        if found is not None and found[0] == verb:
            return LeadVerb(verb, token, found[1], tuple(filter(str.isalpha, tokens[i + 1 : i + 9])))
    return None


_HERE: Final[tuple[str]] = ("here",)


def lead_verbs(description: str) -> list[LeadVerb]:
    """The verbs leading the clauses of the description's first sentence that has any, in order (see the
    module doc)."""
    first = sentences(description, most=1)  # most descriptions say it in the first sentence: read no further
    if first:
        found = _sentence_lead_verbs(first[0])
        if found and found[0].following[:1] != _HERE:  # not "Start here if …": where to begin, not what it does
            return found
    for tokens in sentences(description)[1:]:
        if _says_when_to_call(tokens):
            continue  # "Use this right AFTER submitting a form that triggers an SMS": the agent's acts, not the tool's
        found = _sentence_lead_verbs(tokens)
        if found and found[0].following[:1] != _HERE:
            return found
    return []


def _says_when_to_call(tokens: tuple[str, ...]) -> bool:
    """A sentence that tells the agent when to call the tool ("Use this when …", "Call it after …"); not one that
    says what for ("Use this to delete …")."""
    return len(tokens) > 2 and tokens[0] in _CALLING and tokens[1] in _THIS_TOOL and tokens[2] in _WHEN_WORDS


# verbs that tell what a call gives back, not what it does ("Returns the new state."): no verb of the call's own
_GIVING_BACK: Final[frozenset[str]] = frozenset(("return", "output", "yield", "respond", "give", "emit", "print"))


_DETERMINERS: Final[frozenset[str]] = words("a an the this that these those my your its our their his her")
_ARTICLE_WORDS: Final[frozenset[str]] = words("a an the")
_PLACE_PREPOSITIONS: Final[frozenset[str]] = words("in from into on at within inside")
_TITLE_ENDS: Final[frozenset[str]] = words(". : ; , per of for by in with from on at to via")


def titled_record(description: str) -> tuple[str, ...]:
    """The words of a verbless first sentence that names a record, up to the record noun it ends in or that
    comes before a preposition or a dash ("Materials (packaging, supplies) usage report.", "Current stock balance
    per warehouse", "Storage snapshot — what is stored"; asides in brackets left out): the description is the
    title of a record the tool gives. () for any other."""
    first = sentences(description, most=1)
    if not first or _sentence_lead_verbs(first[0]):
        return ()
    title: list[str] = []
    depth = 0
    for token in first[0]:
        if token in _DETERMINERS:
            return ()  # a title has no article: "Favourite (like) a status." is an order whose verb is unknown
        if token == "(" or token == ")":
            depth += 1 if token == "(" else -1
        elif depth <= 0:
            if token in _TITLE_ENDS or token.strip() in _DASHES:
                break
            if token.isalpha():
                title.append(token)
    return tuple(title) if title and title[-1] in READ_NOUNS else ()


def follows_an_article(word: str, description: str) -> bool:
    """``word`` stands after a preposition and an article in the description's first sentence ("Retrieve items
    in the trash"): a noun for where things are (not "Read the profile of a function", the verb's own object)."""
    first = sentences(description, most=1)
    tokens = first[0] if first else ()
    return any(
        tokens[i] == word and tokens[i - 1] in _ARTICLE_WORDS and tokens[i - 2] in _PLACE_PREPOSITIONS
        for i in range(2, len(tokens))
    )


def later_lead_verbs(description: str) -> list[LeadVerb]:
    """For a description whose first paragraph is a title with no verb ("Recent drives — distance, duration."):
    the verbs leading the first sentence after it that says what the tool does, in the third person ("Shows
    the last N days of driving"). Not an order to the agent ("Use this when …"), not what the call gives back
    ("Returns …"): none then."""
    first = len(sentences(description))
    for tokens in sentences(description, paragraphs=True)[first:]:
        found = _sentence_lead_verbs(tokens)
        if found:
            lead = found[0]
            return found if lead.third_person and lead.verb not in _GIVING_BACK else []
    return []


def _sentence_lead_verbs(tokens: tuple[str, ...]) -> list[LeadVerb]:
    found: list[LeadVerb] = []
    clause_start = True
    after_article = hedged = relative = opener_was_verb = False
    opener = ""
    i = 0
    n = len(tokens)
    while i < n:
        token = tokens[i]
        if not clause_start and token not in _CLAUSE_WORDS:  # inside a clause: nothing below applies
            opener = ""
            i += 1
            while i < n and tokens[i] not in _CLAUSE_WORDS:  # to the next word that may change that
                i += 1
            continue
        if token in _BOUNDARIES or (token == "/" and i > 0 and tokens[i - 1] == opener and opener_was_verb):
            # "Supply/deposit assets": the word after the slash opens the clause too (not in "Get a unit's
            # status: active/sub/load state", a list after the verb, whose first word is no verb)
            clause_start, after_article, hedged, relative = True, False, False, False
            i += 1
            continue
        if token in _ENABLERS or (token in _ACTIVITY_NOUNS and tokens[i + 1 : i + 2] == ("to",)):
            # "allows users to", "lets you", "Commands to manage": the verb follows "to"
            ahead = tokens[i + 1 : i + 4]
            if "to" in ahead:
                i += 2 + ahead.index("to")
                clause_start, after_article = True, False
                hedged = hedged or token in _HEDGES
                continue
        if token in _SUBJECTS:  # "The Query Orders API retrieves": the subject ends, the verb may follow
            clause_start, after_article = True, False
            # "labels that": about the object; "a tool that", "the API which": about the tool itself
            relative = token in _RELATIVES and i > 0 and tokens[i - 1] not in _ABOUT_THE_TOOL
            i += 1
            continue
        if clause_start and relative and ((token == "used" and tokens[i - 1] in _COPULAS) or _tame_verb(token)):
            # "labels that can be used to categorize events", "the table that follows each heading": what the
            # object is or is for, not what the tool does (but "a job that deletes old files" sets up a deletion)
            clause_start = relative = False
            i += 1
            continue
        if clause_start and token in DESCRIPTION_FILLER:
            after_article = token in _ARTICLES  # "the tool deletes": the article went with "tool"
            hedged = hedged or token in _HEDGES
            i += 1
            continue
        verb = _as_verb(token) if clause_start and not after_article else None
        if verb is not None and not verb[1] and i + 1 < n and tokens[i + 1] == "of":
            verb = None  # "share of", "list of": a noun
        elif verb is not None and verb[1] and i and tokens[i - 1] in _DASHES and _noun_list(tokens, i):
            verb = None  # "Get a campaign's report — opens, clicks, bounces": what it holds, a list of nouns
        elif verb is not None and i and tokens[i - 1] == ":" and _listed_with_a_noun(tokens, i):
            verb = None  # "Get account info: email, capabilities, limits": what it holds (not "delete, move")
        opener = token if clause_start else ""
        opener_was_verb = verb is not None or not found  # (or no verb yet: "Supply/deposit assets")
        clause_start = False
        if verb is None:
            i += 1
            continue
        if verb[0] in _MECHANISMS and "to" in tokens[i + 1 : i + 9]:
            i += 2 + tokens[i + 1 : i + 9].index("to")  # "Uses AI diagnostics to detect problems": detect
            clause_start = True
            continue
        following = tuple(filter(str.isalpha, tokens[i + 1 : i + 9]))
        sure = verb[0] in _SURE_BEFORE_ARTICLES and i + 1 < n and tokens[i + 1] in _ARTICLES
        found.append(LeadVerb(verb[0], token, verb[1], following, hedged, sure))
        i = _chain(tokens, i + 1, verb[1], found)
    return found or _purposes(tokens)


def _listed_with_a_noun(tokens: tuple[str, ...], i: int) -> bool:
    """The word at ``i`` opens a comma list whose next item is no verb ("email, capabilities"): a list of what
    something holds, not of acts ("delete, move, flag")."""
    return tokens[i + 1 : i + 2] == (",",) and i + 2 < len(tokens) and _as_verb(tokens[i + 2]) is None


def _noun_list(tokens: tuple[str, ...], i: int) -> bool:
    """Words in ``-s`` from ``i`` on, joined by commas ("opens, clicks, bounces, and more"), the last of them
    followed by a comma or nothing: a list of plural nouns. Verbs take an object ("deletes, moves or copies
    them")."""
    last = i
    j = i + 1
    while j < len(tokens):
        if tokens[j] in (",", "and", "or"):
            j += 1
        elif tokens[j].endswith("s") and tokens[j - 1] in (",", "and", "or"):
            last = j
            j += 1
        else:
            break
    return last > i and (last + 1 == len(tokens) or tokens[last + 1] == ",")


def _purposes(tokens: tuple[str, ...]) -> list[LeadVerb]:
    """The activities a sentence with no verb of its own names ("Quota commands for getting regions or
    checking usage" → get, check), as hedged lead verbs."""
    found: list[LeadVerb] = []
    activity = False
    for i, token in enumerate(tokens):
        if token in _PURPOSE_OPENERS:
            activity = True
            continue
        if activity and token.endswith("ing"):
            verb = base_of(token)
            if verb is not None and all(lead.verb != verb for lead in found):
                found.append(
                    LeadVerb(verb, token, False, tuple(t for t in tokens[i + 1 : i + 9] if t.isalpha()), hedged=True)
                )
            continue
        activity = activity and token in _CONJUNCTIONS
    return found


def side_effects(description: str) -> list[LeadVerb]:
    """Verbs that open a later sentence in the third person: what the tool also does ("Stores the paper
    locally.", "Advances each watch's cursor."), not instructions to the model ("Use X first")."""
    found: list[LeadVerb] = []
    present = letters(description).words
    if _SIDE_EFFECT_FORMS.isdisjoint(present) and (
        _STARTING_FORMS.isdisjoint(present) or _STARTS_SENTENCE_RE.search(description) is None
    ):
        return found  # no such verb in the third person anywhere, or none opening a sentence
    for tokens in sentences(description, paragraphs=True)[1:]:
        for lead in _sentence_lead_verbs(tokens):
            if (
                lead.third_person
                and (lead.verb in SIDE_EFFECT_VERBS or lead.verb in _STARTING)
                and not (lead.following and lead.following[0] in _COPULAS)
                and not (lead.verb in _STARTING and (not lead.following or lead.following[0] in _PLACES))
                and not _asks_over_the_network(lead)
            ):
                found.append(lead)
    return found


def purpose_verbs(description: str) -> list[LeadVerb]:
    """What the tool is for: the lead verbs of its first sentences and the activities it names ("Commands for
    managing and accessing storage" → manage, access), in order."""
    found = lead_verbs(description)
    for tokens in sentences(description)[:2]:
        found += [lead for lead in _purposes(tokens) if all(lead.verb != f.verb for f in found)]
    return found


def _chain(tokens: tuple[str, ...], i: int, third_person: bool, found: list[LeadVerb]) -> int:
    """Collect verbs chained to the one before ``i`` ("stop and remove", "list, get, or set", ", then run");
    return where the clause goes on."""
    n = len(tokens)
    adjacent = True  # still in the run of verbs right after the lead verb
    while i < n:
        token = tokens[i]
        if token in _CHAIN_ENDS:
            return i
        if token not in _CONJUNCTIONS:
            # an imperative list goes on past a word it does not know: "Download, safely process, cache, and return";
            # a run of such words (to the next end or conjunction) keeps it going only if it is one word before ","
            k = i + 1
            while k < n and tokens[k] not in _CHAIN_MARKS:
                k += 1
            adjacent = adjacent and not third_person and k == i + 1 and k < n and tokens[k] == ","
            i = k
            continue
        j = i
        while j < n and (tokens[j] in _CONJUNCTIONS or (tokens[j].endswith("ly") and j > i)):
            j += 1
        if j >= n:
            return j
        verb = _as_verb(tokens[j])
        then = "then" in tokens[i:j]
        nxt = tokens[j + 1] if j + 1 < n else ""
        if (
            verb is not None
            and verb[1] == third_person
            and (adjacent or then or nxt in _OBJECT_OPENERS or _deleting_with_object(verb[0], tokens[i:j], nxt))
        ):
            found.append(LeadVerb(verb[0], tokens[j], verb[1], tuple(filter(str.isalpha, tokens[j + 1 : j + 9]))))
            i = j + 1
            continue
        i = j
    return i


def _deleting_with_object(verb: str, joiners: tuple[str, ...], nxt: str) -> bool:
    """A deleting verb after "and" with a word after it: "… and remove stored credentials" (not the last of a list
    of nouns: "Shows swaps, adds, removes")."""
    return verb in _PLAIN_DELETING and "and" in joiners and nxt.isalpha()


def _asks_over_the_network(lead: LeadVerb) -> bool:
    """ "Sends a lightweight health request", "sends an HTTP GET request": how a read asks, not what it also does (a
    friend request or an invitation sent is one)."""
    if lead.verb != "send" or "request" not in lead.following[:5]:
        return False
    return not _NETWORK_REQUEST_WORDS.isdisjoint(lead.following[: lead.following.index("request")])
