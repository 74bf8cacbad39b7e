"""What a free-text operation argument names: the operations its description lists, and whether it is a
router's sub-command or a setting.

An ``action``/``operation``/``method``/``command`` argument without an enum says in prose what it
does: "Operation to perform: cordon, drain, uncordon", an HTTP ``method`` that may be ``DELETE``, a
``command`` that picks one of the sub-commands its tool's description lists (and not a program for a
shell). ``catalog.arguments`` asks these questions of each such argument it meets in a schema.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from portcullis.catalog.lexicon import VERBS, words
from portcullis.catalog.tokens import CaselessPattern, letters, prose_words
from portcullis.catalog.tokens import tokenize_tuple as _words
from portcullis.catalog.verbs import base_of

if TYPE_CHECKING:
    from portcullis.catalog.argument_checks import Argument

__all__ = ["described_operations", "gives_examples", "is_subcommand", "listed_values", "names_options"]

# A ``command`` that names one of a router's sub-commands rather than a program to run.
_ROUTER_PROSE_RE = CaselessPattern(
    r"\bsub-?commands?\b|\bcommand\s+router\b|\bavailable\s+commands\b|\bcommand\s+names?\b",
    ("sub", "command", "available"),
)
_SHELL_PROSE_RE = CaselessPattern(
    r"\b(?:shell|bash|zsh|powershell|terminal|executable|argv|stdin|subprocess|arbitrary)\b",
    ("shell", "bash", "zsh", "powershell", "terminal", "executable", "argv", "stdin", "subprocess", "arbitrary"),
)
# Every match of the two patterns holds one of these words as a run of letters (tokens.letters).
_ROUTER_WORDS = frozenset(b"command commands subcommand subcommands".split())
_SHELL_WORDS = frozenset(b"shell bash zsh powershell terminal executable argv stdin subprocess arbitrary".split())
# \b[A-Za-z][a-z0-9]*(?:[_-][A-Za-z0-9]+)+\b with the first run possessive (faster, the same matches: giving back
# a letter or digit can never let [_-] match where it stood)
_IDENTIFIER_RE = re.compile(r"\b[A-Za-z][a-z0-9]*+(?:[_-][A-Za-z0-9]+)+\b")
# Verbs that describe choosing an operation, not the operation ("Operation to perform").
_CHOOSING_VERBS = words(
    "perform execute run do use specify choose select apply call invoke make pass want need return see"
)
# "DeleteCluster", "ListTasks": API operations named in CamelCase, a verb first.
_CAMEL_OPERATION_RE = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b")
_MIN_LISTED = 3  # a list of operations, not a product name that happens to open with a verb
_API_OPERATION_ARGS = words("operation operations op")
_HTTP_METHODS_RE = re.compile(r"\b(GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE)\b")
_HTTP_RE = CaselessPattern(
    r"\bhttp\b|\brest\b",
    ("http", "rest"),
)
_ALL_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# A tool that sends requests ("Make an HTTP request", "Sends a raw API call"): its undescribed ``method``
# argument is the request's method.
_SENDS_REQUEST_RE = CaselessPattern(
    r"\b(?:make|makes|making|send|sends|sending|perform|performs|execute|executes|issue|issues)\b"
    r"[^.]{0,30}?\b(?:requests?|calls?)\b",
    ("mak", "send", "perform", "execute", "issue"),
)


@lru_cache(maxsize=512)
def _router_description(description: str) -> tuple[bool, bool]:
    """Whether a description speaks of sub-commands, and whether of a shell (remembered: every ``command``
    argument of a tool asks about the same description)."""
    found = letters(description).words
    return (
        not found.isdisjoint(_ROUTER_WORDS) and bool(_ROUTER_PROSE_RE.search(description)),
        not found.isdisjoint(_SHELL_WORDS) and bool(_SHELL_PROSE_RE.search(description)),
    )


def is_subcommand(arg: Argument, tool_description: str) -> bool:
    """A router's ``command`` argument: the descriptions speak of sub-commands, and not of a shell."""
    tool_router, tool_shell = _router_description(tool_description)
    arg_router, arg_shell = _router_description(arg.description)
    return (tool_router or arg_router) and not (tool_shell or arg_shell)


def described_operations(arg: Argument, tool_description: str) -> tuple[str, ...]:
    """The operations a free-text operation argument's description names (verbs, or HTTP methods); for a
    router's sub-command, also the verbs of the sub-command names its tool's description lists."""
    description = arg.description
    if arg.words[-1] == "method":
        methods = tuple(dict.fromkeys(_HTTP_METHODS_RE.findall(description)))
        if methods:
            return methods
        if _HTTP_RE.search(description) or (not description and _SENDS_REQUEST_RE.search(tool_description[:2000])):
            # "Make an HTTP request" with a free-text "method": any method, DELETE among them
            return _ALL_HTTP_METHODS
        if not description:
            return ()
    found: list[str] = []
    for word in prose_words(description, 60):
        verb = base_of(word)
        if verb is not None and verb not in _CHOOSING_VERBS and verb not in found:
            found.append(verb)
    if arg.words[-1] in ("command", "commands", "cmd"):
        head = tool_description[:4000]
        identifiers = _IDENTIFIER_RE.findall(head) if "_" in head or "-" in head else []  # each match holds one
        for identifier in identifiers:
            for word in _words(identifier):
                if word in VERBS and word not in _CHOOSING_VERBS and word not in found:
                    found.append(word)
    if not found and arg.words[-1] in _API_OPERATION_ARGS:
        found = _listed_operations(tool_description[:4000])
    return tuple(found)


def _listed_operations(tool_description: str) -> list[str]:
    """The API operations a tool's description lists in CamelCase ("Supported operations: CreateCluster,
    DeleteCluster, ListTasks"), when it lists several whose first word is a verb."""
    listed = [
        identifier
        for identifier in dict.fromkeys(_CAMEL_OPERATION_RE.findall(tool_description))
        if _words(identifier)[0] in VERBS
    ]
    return listed if len(listed) >= _MIN_LISTED else []


# asked only of a free-text operation argument that names operations (a few per catalogue)
_EXAMPLES_RE = re.compile(r"\be\.\s?g\.|\bfor\s+(?:example|instance)\b|\bsuch\s+as\b|\bexamples?\b", re.IGNORECASE)


def gives_examples(description: str) -> bool:
    """A description that names values as examples ("e.g. 'list', 'create'"): the list is not the whole set."""
    return _EXAMPLES_RE.search(description) is not None


_QUOTED_RE = re.compile(r"['\"`]([A-Za-z][A-Za-z0-9_-]*)['\"`]")


def names_options(description: str) -> bool:
    """An argument whose description quotes its values ("'Accrual' (default) or 'Cash'") and none of them an
    operation: a setting, not a choice of what the tool does."""
    quoted = _QUOTED_RE.findall(description) if "'" in description or '"' in description or "`" in description else []
    return len(quoted) >= 2 and not any(w.lower() in VERBS for v in quoted for w in _words(v))


# "Must be one of: 'list', 'get'", "One of: 'produce' (v3), 'consume'": the values, quoted, each perhaps glossed.
_LISTED_RE = re.compile(
    r"\bone\s+of\s*:?\s*((?:['\"`][A-Za-z][A-Za-z0-9_-]*['\"`]\s*(?:\([^()]{0,60}\)\s*)?,?\s*(?:or\s+|and\s+)?)+)",
    re.IGNORECASE,
)


def listed_values(description: str) -> tuple[str, ...]:
    """The values an operation argument's description lists as the whole set it takes ("Must be one of: 'get_x',
    'list_y'"), as an enum would; nothing when it names them only as examples or lists fewer than two."""
    if "one" not in description.lower() or gives_examples(description):
        return ()
    m = _LISTED_RE.search(description)
    values = tuple(dict.fromkeys(_QUOTED_RE.findall(m.group(1)))) if m is not None else ()
    return values if len(values) >= 2 else ()
