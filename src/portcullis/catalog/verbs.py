"""Find the verb of a tool's name and settle what it means from its object.

Names come in two orders: verb first (``delete_queue``, ``getERC20Balance``) and noun first
(``queue_delete``, ``pull_request_read``, ``functions-delete-trigger``). The verb is, in order:

1. the first word, if it is a verb that is rarely a noun (``delete``, ``get``, ``create``);
2. else the last word, if it is such a verb or a noun-first suffix (``*_read``, ``*_info``, ``*_status``):
   ``queue_delete``, ``account_transfer_get``;
3. else the first such verb anywhere (past vendor prefixes: ``gnfd_withdraw_from_payment``);
4. else a verb that doubles as a noun (``build_image``, ``run_pipeline``, ``copy`` trading).

A verb followed by a record noun is a noun (``withdraw_history``, ``build_logs``); ``re``-verbs count as
their verb (``recreate``); ``and``/``or`` in a name chains verbs (``get_or_create``), and the most
dangerous one counts. Ambiguous verbs are settled by their object (``resolve_ens_name`` reads,
``resolve_review_thread`` writes; running a query reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from portcullis.catalog.lexicon import (
    AMBIGUOUS_VERBS,
    CATEGORY_RANK,
    COMPOUND_NOUNS,
    READ_NOUNS,
    SUFFIX_VERBS,
    VERBS,
    WEAK_VERBS,
    Category,
    words,
)
from portcullis.catalog.tokens import base_verb

__all__ = [
    "NameVerb",
    "act_as_topic",
    "act_left_to_user",
    "agent_verb",
    "first_hit",
    "name_verb",
    "noun_in_object",
    "same_meaning",
    "settle",
    "strongest",
    "verb_of",
]

_FINANCIAL_VERBS = frozenset(w for w, c in VERBS.items() if c == "financial")
_COMPOUND_FIRSTS = frozenset(first for first, _ in COMPOUND_NOUNS)
_HISTORY_NOUNS = words("history histories")
_USERS = words("user users human person")
_CHAIN_WORDS = words("and or then")
_ARTICLES = words("a an the")
_PREPOSITIONS = words("via from by using against for")
_NOT_AGENTS = words("user users order orders number member owner server folder parameter")
# What explains an act without doing it ("installation instructions", "deployment guidance").
_EXPLAINING_NOUNS = words(
    "instructions instruction guidance guide guides docs documentation examples tips checklist tutorial tutorials"
)


# Words that end a verb's object in a description: another clause, or a purpose ("Get the report to delete").
_OBJECT_ENDS = words("to and or then")


@dataclass(frozen=True, slots=True)
class NameVerb:
    """The verb of a name: where it is, as written, its base form, and its category settled by its object."""

    index: int
    written: str
    verb: str
    category: Category

    def where(self, n: int) -> str:
        return "opens the name" if self.index == 0 else ("ends the name" if self.index == n - 1 else "in the name")


def verb_of(word: str) -> str | None:
    """The lexicon verb ``word`` is, allowing a ``re-`` prefix (``recreate`` → create), or None."""
    if word in VERBS:
        return word
    if word.startswith("re") and len(word) > 5 and word[2:] in VERBS and word[2:] not in WEAK_VERBS:
        return word[2:]
    return None


@lru_cache(maxsize=16384)
def base_of(word: str) -> str | None:
    """``tokens.base_verb`` on the lexicon's verbs ("queries" → query), remembered per word: prose words repeat
    across descriptions."""
    return base_verb(word, VERBS)


def agent_verb(word: str) -> str | None:
    """The verb of an agent noun (``reader`` → read, ``updater`` → update, ``deleter`` → delete), or None."""
    if len(word) < 6 or word[-2:] not in ("er", "or") or word in _NOT_AGENTS:
        return None
    stem = word[:-2]
    for candidate in (stem, stem + "e", stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else ""):
        if candidate in VERBS and candidate not in WEAK_VERBS:
            return candidate
    return None


# What is removed *from* something without being destroyed: a member from a group, a tag or a label from an item.
_DETACHED = words(
    "member members user users participant participants tag tags label labels reaction reactions watcher watchers "
    "assignee assignees subscriber subscribers follower followers collaborator collaborators"
)

# What holds data rather than links: a member removed from a set is data gone ("Remove a member from a sorted set").
_DATA_STRUCTURES = words("set sets zset hash hashes stream streams queue queues key keys array arrays index")


def _detached(objects: list[str] | tuple[str, ...]) -> bool:
    """A member, tag or label removed from a group, a task or an item; not from a data structure."""
    at = objects.index("from")
    return not _DETACHED.isdisjoint(objects[:at]) and _DATA_STRUCTURES.isdisjoint(objects[at + 1 : at + 5])


def settle(
    verb: str, objects: list[str] | tuple[str, ...], then: list[str] | tuple[str, ...] | None = None
) -> Category:
    """The category of a verb given the words of its object (up to a preposition: "generate a model via text");
    ``then``: more words after ``objects`` (joined only for a verb whose meaning depends on them)."""
    if verb == "remove" and "from" in objects and _detached(objects):
        return "write"  # "remove_user_from_group", "Remove a tag from a task": a link undone, nothing destroyed
    meanings = AMBIGUOUS_VERBS.get(verb, ())
    if not meanings:
        return VERBS[verb] if verb in VERBS else SUFFIX_VERBS[verb]
    objects = _object(objects if then is None else (*objects, *then))
    for nouns, category in meanings:
        if not nouns.isdisjoint(objects):
            return category
    return VERBS[verb] if verb in VERBS else SUFFIX_VERBS[verb]


def _object(words: list[str] | tuple[str, ...]) -> list[str] | tuple[str, ...]:
    if _PREPOSITIONS.isdisjoint(words):  # the common case: no preposition, the whole is the object
        return words
    for i, w in enumerate(words):
        if w in _PREPOSITIONS:
            return words[:i]
    return words


def first_hit(verb: str, objects: list[str] | tuple[str, ...]) -> str:
    """The object word that settled an ambiguous verb ("" when none did)."""
    for nouns, _ in AMBIGUOUS_VERBS.get(verb, ()):
        for o in _object(objects):
            if o in nouns:
                return o
    return ""


def _candidates(words: list[str]) -> list[tuple[int, str]]:
    n = len(words)
    out: list[tuple[int, str]] = []
    in_compound = -1
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < n else ""
        if w in _COMPOUND_FIRSTS and (w, nxt) in COMPOUND_NOUNS:
            in_compound = i + 1
            continue
        if w in VERBS:
            verb = w
        elif w.startswith("re") and len(w) > 5 and w[2:] in VERBS and w[2:] not in WEAK_VERBS:  # verb_of, inline
            verb = w[2:]
        else:
            continue
        if i == in_compound:
            continue
        if nxt in READ_NOUNS and (verb in WEAK_VERBS or verb in _FINANCIAL_VERBS):
            continue  # "withdraw history", "trade fee", "build log": a record, not the act
        if nxt in _HISTORY_NOUNS and VERBS[verb] != "destructive":
            continue  # "lock history": past events, not the act
        if i == n - 1 and n > 1 and verb in WEAK_VERBS:
            continue  # "signin_message", "options_mark": a noun at the end of the name
        out.append((i, verb))
    return out


# States a "mark" sets, ending its name ("mark_conversations_read", "mark_task_done").
_MARKED_STATES = words(
    "read unread seen unseen done undone complete completed incomplete spam important resolved answered"
)


# Read verbs that, second in a name after a word that is also a verb, show that word to be a name's prefix: no act
# is said twice in a row ("trash_get_profile", "flash_fetch_status"; not "delete_list_items", where "list" is a noun).
_READS_AFTER_A_PREFIX = words("get fetch retrieve compare describe")


# Words before a verb that make the name a question ("can_delete_user", "is_archived"): a read, whatever the verb.
_ASKING_WORDS = words("can is has")


def _pick(words: list[str]) -> tuple[int, str] | None:
    n = len(words)
    candidates = _candidates(words)
    if n > 1 and candidates and candidates[0][1] == "mark":
        at = candidates[0][0]  # after a server's prefix too: "freshrss_mark_read"
        if at < n - 1 and (words[-1] in _MARKED_STATES or "as" in words[at:]):
            return at, "mark"  # "mark_conversations_read": the state set, not a read
    if n > 1 and words[-1] in READ_NOUNS and all(v in WEAK_VERBS for _, v in candidates):
        return None  # "auto invest rebalance history", "pipelines build log": a record of something
    strong = [(i, v) for i, v in candidates if v not in WEAK_VERBS]
    if strong and strong[0][0] > 0 and words[strong[0][0] - 1] in _ASKING_WORDS:
        return strong[0][0] - 1, words[strong[0][0] - 1]  # "can_generate_domains", "is_deleted": it asks whether
    if strong and strong[0][0] == 0:
        if n > 2 and len(strong) > 1 and strong[1][0] == 1 and strong[1][1] in _READS_AFTER_A_PREFIX:
            return strong[1]  # "trash_get_profile" (TRaSH Guides): the first word names the source, not the act
        return strong[0]
    acting = _acting_suffix(words, candidates) if n > 1 and SUFFIX_VERBS.get(words[-1], "read") != "read" else None
    if acting is not None:
        return acting  # noun first, the act last: "monitor_run" triggers the monitor, it does not watch
    if n > 1 and strong and strong[-1][0] == n - 1 and words[-1] in SUFFIX_VERBS and words[-2] not in _ARTICLES:
        return strong[-1]  # noun first: "queue_delete" ("retrieve_a_comment" is not)
    agent = agent_verb(words[-1]) if n > 1 else None
    if agent is not None:
        return n - 1, agent  # "deploy-services-reader": the reader reads
    if n > 1 and words[-1] in SUFFIX_VERBS and words[-1] not in WEAK_VERBS and not strong:
        return n - 1, words[-1]  # "cluster_info", "pull_request_read"
    if strong and strong[0][0] == n - 1:
        # "trigger_integration_sync": the only sure verb, a mutating one, ends the name as the object of a stronger
        # verb before it (a word that is also a noun elsewhere, "trigger", but here opens what the tool does)
        rank = CATEGORY_RANK[VERBS[strong[0][1]]]
        stronger = next(((i, v) for i, v in candidates if i < n - 1 and CATEGORY_RANK[VERBS[v]] > rank), None)
        if stronger is not None and rank > 0:  # what is run that ends in a read ("run_accessibility_audit") reads
            return stronger
    if strong:
        return strong[0]
    return candidates[0] if candidates else None


def _acting_suffix(words: list[str], candidates: list[tuple[int, str]]) -> tuple[int, str] | None:
    """A mutating verb that ends a noun-first name (``*_run``, ``*_trigger``, ``*_start``), when every verb before
    it is a weaker one that doubles as a noun (``monitor``): the last word is the act, and says more."""
    n = len(words)
    last = words[-1]
    category = SUFFIX_VERBS.get(last, "read")
    if category == "read" or words[-2] in _ARTICLES or words[-2] in READ_NOUNS:
        return None
    rank = CATEGORY_RANK[category]
    if any(v not in WEAK_VERBS or CATEGORY_RANK[VERBS[v]] >= rank for i, v in candidates if i < n - 1):
        return None
    return n - 1, last


def name_verb(words: list[str]) -> list[NameVerb]:
    """The verb of a name, then any verbs chained to it by ``and``/``or``/``then`` (empty: no verb)."""
    picked = _pick(words)
    if picked is None:
        return []
    index, verb = picked
    found = [NameVerb(index, words[index], verb, settle(verb, words[index + 1 :], words[:index]))]
    if (words[index] != verb and verb_of(words[index]) is None) or _CHAIN_WORDS.isdisjoint(words):
        return found  # an agent noun ends the name, or no word chains: nothing is chained to it
    for i in range(1, len(words) - 1):  # "get_or_create", "create_or_update" (not "payment_and_refund")
        if words[i] not in _CHAIN_WORDS or not (i - 1 <= index <= i + 1):
            continue
        before, after = verb_of(words[i - 1]), verb_of(words[i + 1])
        if before is None or after is None:
            continue
        j, chained = (i + 1, after) if index == i - 1 else (i - 1, before)
        found.append(NameVerb(j, words[j], chained, settle(chained, words[j + 1 :])))
    return found


def same_meaning(verb: str, other: str) -> bool:
    """Two different verbs whose meaning the same objects settle ("execute" and "run": a query reads)."""
    meanings = AMBIGUOUS_VERBS.get(verb)
    return meanings is not None and other != verb and AMBIGUOUS_VERBS.get(other) == meanings


def strongest(found: list[NameVerb]) -> NameVerb:
    """The most dangerous of a name's verbs (the first on a tie)."""
    if len(found) == 1:  # most names have one verb
        return found[0]
    return max(found, key=lambda v: CATEGORY_RANK[v.category])


def act_as_topic(verb: str, objects: list[str] | tuple[str, ...]) -> str | None:
    """The words that make an act the topic of what a description's read verb gives: the act as a noun, then
    what explains it ("install" and "Provide installation instructions"), or None."""
    stem = verb[:-1] if verb.endswith("e") else verb
    for noun, explaining in pairwise(objects[:4]):
        if noun != verb and noun.startswith(stem) and explaining in _EXPLAINING_NOUNS:
            return f"{noun} {explaining}"
    return None


def act_left_to_user(verb: str, lead: str, objects: list[str] | tuple[str, ...]) -> str | None:
    """The words that leave an act to the user ("confirm" and "Ask the user to confirm"): the tool asks, the
    user acts; or None."""
    if lead != "ask":
        return None
    head = objects[:6]
    for i in range(1, len(head) - 1):
        if head[i] == "to" and head[i - 1] in _USERS and (head[i + 1] == verb or base_of(head[i + 1]) == verb):
            return " ".join(head[: i + 2])
    return None


def noun_in_object(verb: NameVerb, objects: tuple[str, ...]) -> bool:
    """The name's verb word stands in the object of the description's verb ("shop_seller_data": "Read structured
    shop seller data"; "push_status": "Check push notification availability"): a noun in the name too, as the
    description uses it."""
    for word in objects:
        if word in _OBJECT_ENDS:
            return False
        if word == verb.written:
            return True
    return False
