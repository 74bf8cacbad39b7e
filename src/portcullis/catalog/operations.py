"""Step 3 of the classifier: what a tool's operation argument says it does.

A router (a name without a verb of its own, with a verb that says nothing such as ``manage``, or noun first
such as ``issue_write``) whose ``action``/``operation`` enum lists only known operations does what they say,
the worst of them; otherwise operation values only raise the tool, and dangerous values on a consolidated
tool become a guard (``OperationGuard``) the recommendation turns into ``deny_if``. A router's free-text
operation argument counts as the operations its description names; when it names none, the router is read
from what its description enumerates (``routers.route``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from portcullis.catalog.arguments import SchemaFacts
from portcullis.catalog.lexicon import AMBIGUOUS_VERBS, CATEGORY_RANK, Category, words
from portcullis.catalog.routers import route
from portcullis.catalog.tokens import tokenize
from portcullis.catalog.verbs import NameVerb, name_verb, settle, strongest
from portcullis.catalog.verdict import OperationGuard, Verdict

__all__ = ["operation_step"]


def _rank(category: Category) -> int:
    return CATEGORY_RANK[category]


# Name verbs that say "do something" without saying what: the operation argument says it.
_GENERIC_VERBS: Final[frozenset[str]] = words(
    "manage handle use call invoke execute run perform access process dispatch make"
)
_OPERATION_SIGNALS: Final[tuple[tuple[Category, str], ...]] = (
    ("financial", "financial-operation"),
    ("destructive", "destructive-operation"),
    ("execute", "execute-operation"),
    ("write", "mutating-operation"),
)
_ROUTER_ARGS: Final[frozenset[str]] = words("action operation op method command intent subcommand")


@lru_cache(maxsize=4096)
def _operation_category(value: str) -> Category | None:
    """The category of an operation's name (remembered: ``list``, ``get``, ``create`` repeat across a catalogue)."""
    found = name_verb(tokenize(value))
    return strongest(found).category if found else None


def _shown(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"'{h}'" for h in values[:5]) + (" …" if len(values) > 5 else "")


def _chooses_operation(arg: str) -> bool:
    words = tokenize(arg.rsplit(".", 1)[-1])
    return bool(words) and words[-1] in _ROUTER_ARGS


def _on_the_names_object(value: str, category: Category, name_words: list[str]) -> Category:
    """An operation named by a bare verb whose meaning depends on its object ("release" of "manage_ip_reservation",
    "cancel" of "manage_orders"), settled by what the tool's name says it acts on."""
    verb = value.lower()
    if "_" in value or "-" in value or " " in value or verb not in AMBIGUOUS_VERBS:
        return category
    settled = settle(verb, name_words)
    return settled if CATEGORY_RANK[settled] > CATEGORY_RANK[category] else category


def operation_step(
    v: Verdict, facts: SchemaFacts, found: list[NameVerb], name_words: list[str], description: str
) -> OperationGuard | None:
    """Step 3: raise (or, for an exact router, set) the category from the operation arguments; the guard for
    dangerous values of a consolidated tool."""
    # a router: no verb of its own, a verb that says nothing ("manage"), or noun first ("issue_write")
    router = not found or found[0].verb in _GENERIC_VERBS or found[0].index == len(name_words) - 1
    exact = not found or found[0].verb in _GENERIC_VERBS  # the name says nothing the operations could contradict
    guard: OperationGuard | None = None
    for arg, values in facts.operations:
        # the kind of a step in a list of operations ("operations[].type") only raises: the tool may do several,
        # and no policy condition names one step of a list
        step = arg in facts.step_kinds
        by_category: dict[Category, list[str]] = {}
        unplaced = False
        for value in values:
            category = _operation_category(value)
            if category is None:
                unplaced = True
            else:
                category = _on_the_names_object(value, category, name_words)
                by_category.setdefault(category, []).append(value)
        if exact and by_category and not unplaced and not step and _chooses_operation(arg):
            top = max(by_category, key=_rank)
            if top != v.category and not v.has("operation-router"):
                v.set(
                    top,
                    "operation-router",
                    f"argument '{arg}' can only be {_shown(values)}: the tool does what they do, at worst {top}",
                )
        for category, signal_id in _OPERATION_SIGNALS:
            hits = by_category.get(category)
            if not hits:
                continue
            before = v.category
            if v.raises(category):
                v.raise_to(category, signal_id, f"argument '{arg}' can be {_shown(hits)}")
            if category in ("financial", "destructive") and guard is None and not step and len(hits) < len(values):
                rest = [c for c in by_category if c not in ("financial", "destructive")]
                rest += [f.category for f in found if f.category not in ("financial", "destructive") and not exact]
                guard = OperationGuard(arg, tuple(hits), category, max(rest, key=_rank) if rest else "write")
            if v.category != before:
                break
    for arg, named in facts.described_operations:
        if not router and named and not named[0].isupper() and found[0].category != "read" and _chooses_operation(arg):
            # "set_volume" with "action": "Management action (create, delete, list, …)": whatever the name's changing
            # verb, the action chosen may delete (raised to destructive at most: the name's verb and nouns say money;
            # a read's name keeps its word: "get_type_info" with "operation" is told what to describe)
            raising: list[Category] = [c for c in map(_operation_category, named) if c is not None and c != "financial"]
            worst: Category = max(raising, key=_rank, default="read")
            if worst != "read":
                v.raise_to(
                    worst,
                    "described-operation",
                    f"the free-text argument '{arg}' may be {_shown(named)} (its description)",
                )
            continue
        if router or (named and named[0].isupper()):  # an HTTP method chooses the operation whatever the name
            if named:
                categories = [c for c in (_operation_category(n) for n in named) if c is not None]
                if categories:
                    top = max(categories, key=_rank)
                    v.raise_to(
                        top,
                        "described-operation",
                        f"the free-text argument '{arg}' may be {_shown(named)} (from its description)",
                    )
                    if top != "read" and arg in facts.open_operations:
                        v.raise_to(
                            "destructive",
                            "open-operation",
                            f"the free-text argument '{arg}' names {_shown(named)} only as examples: any "
                            "operation of what it routes to may be asked, deleting among them",
                        )
                    continue
            route(v, arg, description, exact)
    return guard
