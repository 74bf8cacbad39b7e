"""Read a tool's description as a person would: the verbs that lead it (what it says about risk is in
``wording``).

- **Lead verbs.** The verbs that open a clause of the first sentence ("Stop and remove a container, then
  run a new one": stop, remove, run; "Notion | Update a block": update; "Manage contexts - list, get, or
  set the current one": manage, list, get, set). A word counts as a verb only where a verb can stand: at
  the start of a clause (after filler such as "This tool allows you to"), or chained to a verb by
  "and"/"or"/","/"then". Type names (``List[str]``) and nouns after an article ("the list of") are not
  verbs, and neither is anything after the first sentence or in a docstring's ``Args:`` section.
- **Side effects**: verbs that open a later sentence in the third person ("Stores the paper locally.").
- **Purposes**: the activities a sentence without a verb of its own names ("Commands for managing …").

An address ("example.com/posts/new") is one word, and a full stop inside a word ("config.json") ends no sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final, NamedTuple

from portcullis.catalog.lexicon import DESCRIPTION_FILLER, NAME_ONLY_VERBS, READ_NOUNS, SIDE_EFFECT_VERBS, VERBS, words
from portcullis.catalog.tokens import CaselessPattern, PlainSplitter, has_capital_pair, letters
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

_SENTENCE_TOKENS = 40
# \b[A-Z]{2,}\b, written to open with a character class: the engine skips to an upper-case letter by itself
_UPPER_RE = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]+\b")
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9'_]*(?:-[A-Za-z0-9_]+)*\[?|[.!?:;,|/&()]|\s[-\u2013\u2014]\s|\n\s*\n")
_BOUNDARIES: Final[frozenset[str]] = frozenset([":", ";", "|", "-", "–", "—"])
_DASHES: Final[frozenset[str]] = frozenset(["-", "–", "—"])
# _TOKEN_RE's tokens of a plain text: the marks it makes tokens of; the characters a word may hold but not open
# with, and "[" (a type name's), make a text not plain (a digit only after a letter: tokens.PlainSplitter)
_PLAIN_SPLIT = PlainSplitter(".!?:;,|/&()", "'_-[")
# Words that end a run of chained verbs: what follows describes the object ("wallets that hold or trade").
_CHAIN_STOPS: Final[frozenset[str]] = words(
    "that which who whose where when while if whether unless because so but not without except"
)
_CHAIN_ENDS: Final[frozenset[str]] = _BOUNDARIES | _CHAIN_STOPS
_SENTENCE_END: Final[frozenset[str]] = frozenset({".", "!", "?"})
_ASCII_LOWER: Final[frozenset[str]] = frozenset("abcdefghijklmnopqrstuvwxyz")
_SENTENCES = 3
_SIDE_EFFECT_CHARS = 1200
_LEAD_CHARS = 300
_SIDE_EFFECT_SENTENCES = 8


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
# A full stop with a lower-case letter or a digit right after it is inside a word (a domain, a file name, a
# version): it ends no sentence.
_INNER_DOT_RE = re.compile(r"\.(?=[a-z0-9])")
# A host name and the path after it ("example.com/posts/new"): an address, whose words are no verbs (found first
# from its last dot: a search that starts at every letter of every word costs more).
_HOST_PATH_RE = re.compile(r"\.[A-Za-z0-9-]+/")
_ADDRESS_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[A-Za-z0-9_~%-]*(?:\.[A-Za-z0-9_~%-]+)*)+")
_DOCSTRING_SECTION_RE = re.compile(
    r"\n\s*(?:Args|Arguments|Parameters|Params|Returns?|Raises|Examples?|Notes?)\s*:", re.IGNORECASE
)


# The headings _DOCSTRING_SECTION_RE finds, as runs of letters (an ASCII text matches it only in ASCII letters).
_SECTION_WORDS: Final[frozenset[bytes]] = frozenset(
    b"args arguments parameters params return returns raises example examples note notes".split()
)


def _may_open_section(description: str) -> bool:
    return not _SECTION_WORDS.isdisjoint(letters(description).words)


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


def _sentences(description: str, *, paragraphs: bool = False, most: int = _SENTENCES) -> tuple[tuple[str, ...], ...]:
    """The first sentences' tokens: lower-case words (a type name ``List[`` becomes ``[``) and punctuation.
    Only the first paragraph's (at most ``most``), unless ``paragraphs`` (at most eight)."""
    if paragraphs:
        return _split(description, _SIDE_EFFECT_SENTENCES, False, _SIDE_EFFECT_CHARS)[0]
    split, first_paragraph = _split(description, most, True, _LEAD_CHARS if most == 1 else _SIDE_EFFECT_CHARS // 2)
    return split[:first_paragraph]


@lru_cache(maxsize=1024)
def _split(description: str, most: int, paragraph: bool, chars: int) -> tuple[tuple[tuple[str, ...], ...], int]:
    """The first ``most`` sentences of the description's first ``chars`` characters (only the first
    paragraph's if ``paragraph``; tokenised once per description and extent), and how many the first
    paragraph holds."""
    text = _without_inner_dots(description[:chars]).lstrip()
    if text.startswith("["):  # "[MySQL MCP Server [v1]] Run SQL queries": a label before the sentence
        depth = 0
        for i, ch in enumerate(text):
            depth += (ch == "[") - (ch == "]")
            if depth == 0:
                text = text[i + 1 :]
                break
    # a section opens a line; in an ASCII description its heading is a run of letters (tokens.letters)
    sections = "\n" in text and ":" in text and (not description.isascii() or _may_open_section(description))
    cut = _DOCSTRING_SECTION_RE.search(text) if sections else None
    if cut is not None:
        text = text[: cut.start()]
    # a sentence most often ends at a full stop: tokenise no further than the most-th one if that is enough
    end = _nth_end(text, most)
    if end is not None and end < len(text):
        found, done = _tokenise(text[:end], most, paragraph, ends=most == 1)
        if done:
            return found
    return _tokenise(text, most, paragraph, ends=most == 1 and end == len(text))[0]


def _without_inner_dots(text: str) -> str:
    """The text with no full stop inside a word ("example.com", "config.json": no sentence ends there) and an
    address as one word ("example.com/posts/new")."""
    if _INNER_DOT_RE.search(text) is None:
        return text
    if _HOST_PATH_RE.search(text) is not None:
        text = _ADDRESS_RE.sub(lambda m: m.group(0).replace(".", "_").replace("/", "_"), text)
    return _INNER_DOT_RE.sub(" ", text)  # a space keeps the text plain (_plain_tokens): no "_" in a word


def _nth_end(text: str, n: int) -> int | None:
    """Where the ``n``-th of the text's ".", "!" and "?" ends, or None: searches in C for each of the three
    (at most ``n`` of each), faster than a regex's character class tried at every character."""
    if n == 1:  # each search no further than the end found so far (no list made: most texts have one mark)
        end = text.find(".")
        if end < 0:
            end = len(text)
        at = text.find("!", 0, end)
        if at >= 0:
            end = at
        at = text.find("?", 0, end)
        if at >= 0:
            end = at
        return end + 1 if end < len(text) else None
    found = []
    for mark in ".!?":  # the n-th of all three is among the first n of each
        at, left = text.find(mark), n
        while at >= 0 and left:
            found.append(at)
            left -= 1
            at = text.find(mark, at + 1) if left else -1
    if len(found) < n:
        return None
    found.sort()
    return found[n - 1] + 1


def _tokenise(
    text: str, most: int, paragraph: bool, *, ends: bool = False
) -> tuple[tuple[tuple[tuple[str, ...], ...], int], bool]:
    """``_split``'s answer for ``text`` (its label and docstring sections already cut off), and whether it was
    complete before the end of ``text``. Every token of a piece of ``text`` that ends at a full stop is a
    token of ``text``: an answer complete in the piece is the answer for ``text``. ``ends``: the text ends at
    its first ".", "!" or "?" (and holds no other), as ``_split`` knows from the end it cut it at."""
    # "INSERT, UPDATE": statement keywords, not verbs (a cheap test before _UPPER_RE; most words in capitals are
    # acronyms that are no verb, "API", "URL": the text is rewritten only when one is a verb)
    if has_capital_pair(text) and any(word.lower() in VERBS for word in _UPPER_RE.findall(text)):
        text = _UPPER_RE.sub(_unless_verb, text)
    lower = text.lower()
    tokens = _plain_tokens(lower)
    if tokens is None:
        tokens = _TOKEN_RE.findall(lower)
    if most == 1 and ends and len(tokens) <= _SENTENCE_TOKENS and _no_aside(lower):
        # the common case, without the walk: no aside, type name or blank line, one full stop, at the end
        if "-" in lower or "\u2013" in lower or "\u2014" in lower:  # a dash between spaces is a token to strip
            out = [t if t[0] in _ASCII_LOWER or len(t) == 1 else t.strip() for t in tokens[:-1]]
        else:
            out = tokens[:-1]
        return ((tuple(out),), 1) if out else ((), 0), bool(out)
    sentences: list[tuple[str, ...]] = []
    first_paragraph = 0
    out = []
    depth = 0
    for token in tokens:
        if token[0] in _ASCII_LOWER:  # a word (the others are punctuation or begin with a space)
            if depth:
                continue
            out.append(token if token[-1] != "[" else "[")  # "List[str]": a type, not a word
            if len(out) < _SENTENCE_TOKENS:
                continue
            token = "."
        elif token == "(":  # a parenthesis is an aside ("(can buy but not sell)"): skip it
            depth += 1
            continue
        elif token == ")":
            depth = max(0, depth - 1)
            continue
        else:
            token = token.strip()
            if token and token not in _SENTENCE_END:
                if not depth:
                    out.append(token)
                continue
        if out:  # the end of a sentence (or of a paragraph: token "")
            sentences.append(tuple(out))
            out = []
            if len(sentences) == most:
                return (tuple(sentences), first_paragraph or len(sentences)), True
        if not token and not first_paragraph:  # a blank line ends the first paragraph
            first_paragraph = len(sentences)
            if paragraph:
                return (tuple(sentences), first_paragraph or len(sentences)), True
    if out and len(sentences) < most:
        sentences.append(tuple(out))
    return (tuple(sentences), first_paragraph or len(sentences)), False


def _unless_verb(m: re.Match[str]) -> str:
    """A word in capitals, removed if it is a verb ("DELETE")."""
    return "" if m.group(0).lower() in VERBS else m.group(0)


def _plain_tokens(lower: str) -> list[str] | None:
    """``_TOKEN_RE.findall(lower)`` for a plain text, by splitting it (several times faster than the engine);
    None for another. Plain: ASCII, at most one line break, no character that a word may hold but not open
    with (``'``, ``_``, ``-``; a digit after a letter) or that makes a token of its own with others (``[``).
    Then every token is a run of letters or one punctuation mark, and every other character (a space, a quote,
    ``*``, a digit) only separates them: the punctuation marks spaced out, the text splits into its tokens."""
    if not lower.isascii() or lower.count("\n") > 1:
        return None
    return _PLAIN_SPLIT(lower)


def _no_aside(lower: str) -> bool:
    """A text with no parenthesis, type name (``List[``) or line break: if it ends a sentence at its last character
    and nowhere before (``_tokenise``'s ``ends``), its tokens but the last are one sentence's, as they are (fewer
    than ``_SENTENCE_TOKENS`` of them)."""
    return "(" not in lower and ")" not in lower and "[" not in lower and "\n" not in lower


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
    first = _sentences(description, most=1)
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
    first = _sentences(description, most=1)  # most descriptions say it in the first sentence: read no further
    if first:
        found = _sentence_lead_verbs(first[0])
        if found and found[0].following[:1] != _HERE:  # not "Start here if …": where to begin, not what it does
            return found
    for tokens in _sentences(description)[1:]:
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
    first = _sentences(description, most=1)
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
    first = _sentences(description, most=1)
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
    first = len(_sentences(description))
    for tokens in _sentences(description, paragraphs=True)[first:]:
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
    for tokens in _sentences(description, paragraphs=True)[1:]:
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
    for tokens in _sentences(description)[:2]:
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
