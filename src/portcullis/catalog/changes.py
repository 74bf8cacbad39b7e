"""Step 5 of the classifier: what a tool does beyond its verb, read from its wording, its options and its
arguments. A read that says it can write, has a side effect, overwrites where it puts things or cannot be undone
does more than read; a tool that says it also deletes, finds and replaces, lists what it removes or sends
DELETE requests destroys; and what a changing tool changes in place (a file, a stored object, cells, a table's
schema, many records at once, a whole definition put in place of the one there) is gone. Each rule only raises
the category (``verdict.Verdict.raise_to``), with its evidence.
"""

from __future__ import annotations

import re
from typing import Final

from portcullis.catalog.arguments import SchemaFacts
from portcullis.catalog.lexicon import first_in, words
from portcullis.catalog.losses import (
    also_deletes,
    deleting_requests,
    ending_signal,
    finds_and_replaces,
    irreversible,
    overwrites,
    sets_cell_values,
    upserts,
)
from portcullis.catalog.prose import LeadVerb, all_read, side_effects
from portcullis.catalog.tokens import letters, tokenize
from portcullis.catalog.verbs import NameVerb, settle
from portcullis.catalog.verdict import Verdict
from portcullis.catalog.wording import automatic_act, conditional_act, publishes, says_read_write

__all__ = ["changes_step"]

_OVERWRITE_VERBS: Final[frozenset[str]] = words("update edit modify patch set replace write upsert overwrite put save")
# Files have no history: writing, editing or moving one in place loses what was there.
_IN_PLACE_VERBS: Final[frozenset[str]] = words(
    "write edit modify move rename replace patch overwrite update put save alter set"
)
_FILE_NOUNS: Final[frozenset[str]] = words("file files directory directories dir dirs folder folders pdf docx")
# A store's objects and blobs, named in the tool's name: one written, put, uploaded, copied or moved to a key takes
# the place of the one there (a store keeps no history unless told to).
_STORED_OBJECTS: Final[frozenset[str]] = words("object objects blob blobs")
_STORING_VERBS: Final[frozenset[str]] = words("write put save move replace overwrite upload copy")
_CONTEXT_ENDINGS: Final[frozenset[str]] = words("context contexts")
# Verbs that return a changed copy of what they are given, or change a stored thing where it is.
_TRANSFORMS: Final[frozenset[str]] = words("format sort convert normalize translate compress transform clean reparse")
# A description that is an HTTP request line ("PUT /v3/items/{id}/status"): the method says what the call does.
_REQUEST_LINE_RE = re.compile(r"\s*(POST|PUT|PATCH|DELETE)\s+/\S*")
# What adds a record, said before "or update" in a description ("Append or update rows", "Post a new silence or
# update an existing one"): an upsert.
_ADDING_VERBS: Final[frozenset[str]] = words("create add append insert post")
# Verbs of a name that, said with "create or update" in the description, put what they are given in place
# ("put_policy", "set_script"): an upsert, whatever was there.
_UPSERTING_VERBS: Final[frozenset[str]] = words("set put save upsert write")
# What a name's "create or …" does to one that exists: it is made to match what is given.
_CHANGING_AFTER_CREATE: Final[frozenset[str]] = words("update alter modify edit patch change")
_SCHEMA_NOUNS: Final[frozenset[str]] = words(
    "table tables field fields column columns schema schemas index indexes indices collection collections"
)
# Lists that name what is changed whatever it is: "ids", "records".
_GENERIC_TARGETS: Final[frozenset[str]] = words("ids records items rows entries objects keys")
# What a later sentence of a write's description says it also does, when that destroys.
_DELETING_EFFECTS: Final[frozenset[str]] = words("delete destroy purge erase wipe drop truncate")
# A later sentence of a write's description that sets going what was set up to run.
_RUNNING_EFFECTS: Final[frozenset[str]] = words("trigger start run execute")
_RUN_OBJECTS: Final[frozenset[str]] = words(
    "action actions automation automations workflow workflows pipeline pipelines job jobs build builds script scripts"
)
# How each of them begins in every form a third person of it may be written in (``prose.side_effects`` finds a verb
# by stripping "s" or "es" from a run of letters, or "ies" for a "y": "deletes", "destroies"), in the letters.
_EFFECT_STEMS: Final[tuple[bytes, ...]] = tuple(
    (verb[:-1] if verb.endswith("y") else verb).encode() for verb in sorted(_DELETING_EFFECTS | _RUNNING_EFFECTS)
)
_BULK_NAME_WORDS: Final[frozenset[str]] = words("many all bulk batch multiple mass")
_FORCING_WORDS: Final[frozenset[str]] = words("force forced forcefully forcibly")
# Words of the irreversible wording that a read may say of what it reads ("a permanent link").
_NOT_SAID_OF_READS: Final[tuple[str, ...]] = ("permanent", "replac", "overwrit", "clobber")


def changes_step(
    v: Verdict,
    words: list[str],
    found: list[NameVerb],
    context: list[str],
    description: str,
    facts: SchemaFacts,
    name: str,
    leads: list[LeadVerb],
) -> None:
    """Step 5: what the wording, the options and the arguments say the tool does beyond its verb (each only
    raising the category)."""
    requested = _REQUEST_LINE_RE.match(description)
    if requested is not None:  # "POST /v3/…/review": the call is that request, whatever its name's verb
        method = requested.group(1)
        v.raise_to(
            "destructive" if method == "DELETE" else "write",
            "request-method",
            f"the description is the request '{requested.group(0).strip()}': a {method} changes what is there",
        )
    if v.category == "read" and not facts.code:
        writes = says_read_write(description)
        if writes is not None:
            v.raise_to("write", "can-write", f'the description says "{writes}"')
        for effect in side_effects(description):
            category = settle(effect.verb, effect.following)
            if v.raise_to(
                category,
                "side-effect",
                f"the description says it also '{effect.written}' ({' '.join(effect.following[:4])} …)",
            ):
                break
        automatic = automatic_act(description) if v.category == "read" else None
        if automatic is not None:  # "Check the status of a swap … auto-claims the coins when settled"
            v.raise_to("write", "side-effect", f'the description says it "{automatic}": a read that acts')
        published = publishes(description) if v.category == "read" else None
        if published is not None:  # "Export the canvas to a shareable URL. The diagram is encrypted and uploaded"
            v.raise_to("write", "publishes", f'the description says "{published}": what it reads goes out')
    elif v.category in ("write", "other") and _may_say_effect(description):
        # "Cancel a scheduled email. Removes it from the queue and deletes the associated draft." (not what it
        # replaces, clears or removes from where it stands: a write's own work, said again)
        for effect in side_effects(description):
            if effect.verb in _RUNNING_EFFECTS and not _RUN_OBJECTS.isdisjoint(effect.following[:5]):
                # "Push a button in a table row. Triggers the button's configured action."
                v.raise_to("execute", "side-effect", f"the description says it '{effect.written}' what is set to run")
                continue
            if effect.verb in _DELETING_EFFECTS and v.raise_to(
                "destructive",
                "side-effect",
                f"the description says it also '{effect.written}' ({' '.join(effect.following[:4])} …)",
            ):
                break
    in_place = facts.locates_stored and not facts.gives_content
    # the name's verb, or the description's when the name has none ("cargo_fmt": "Format Rust code") and does not
    # say what it returns ("Format a ticket as an issue draft. Returns Markdown …": a copy, changed)
    acting = (found[0].verb, found[0].written) if found else None
    if not found and leads and b"returns" not in letters(description).words:
        acting = (leads[0].verb, leads[0].written)
    if v.category == "read" and in_place and acting is not None and acting[0] in _TRANSFORMS:
        # "format_range(path, range)", "translate_document(document_ids)": it is told where a stored thing is and
        # given no content to return a transform of, so what it transforms is what is stored, in place
        v.raise_to(
            "write",
            "transforms-in-place",
            f"'{acting[1]}' is told where a stored thing is, and given no content: it transforms it in place",
        )
    if v.category == "read" and facts.acting_options:  # "get_email" with "markRead": a read that can act
        flag = facts.acting_options[0]
        v.raise_to("write", "acting-option", f"option '{flag}' makes the call do what it names: it changes state")
    if not found and words and words[-1] in _CONTEXT_ENDINGS and not (leads and all_read(leads)):
        # (a description that only reads, "Get a thread's context", does not switch one)
        v.raise_to(
            "write", "context-switch", f"'{name}' names a context and no verb: it may switch what later calls act on"
        )
    if v.category == "read":
        # "download_file": "…, overwriting any existing local file at that path": it writes where it puts things
        written = overwrites(description)
        if written is not None:
            v.raise_to(
                "destructive", "overwrites-target", f'the description says "{written}": it writes over what is there'
            )
        else:
            # "Convert a lead to a deal. IRREVERSIBLE": nothing a read does needs undoing ("permanent" links and
            # IDs are read; overwriting is the step above)
            phrase = irreversible(description)
            if phrase is not None and not phrase.lower().startswith(_NOT_SAID_OF_READS):
                v.add("irreversible", f'the description says "{phrase}"')
                v.raise_to(
                    "destructive", "irreversible-wording", f'the description says "{phrase}": a read needs no undo'
                )
    conditional = conditional_act(description)
    if conditional is not None:  # "Check whether the CLI is installed and, if not, download and install it"
        v.raise_to(
            settle(conditional[0], ()),
            "conditional-act",
            f"the description says that, when a condition holds, it does '{conditional[1]}'",
        )
    deletes = also_deletes(description)
    if deletes is not None:
        v.raise_to("destructive", "also-deletes", f'the description says it "{deletes}"')
    if v.category not in ("read", "destructive", "financial") and upserts(description) is not None:
        v.raise_to("destructive", "upsert", "the description says it upserts: it replaces an existing one wholesale")
    if v.category != "read":
        replacing = finds_and_replaces(description)
        if replacing is not None:
            v.raise_to("destructive", "replaces-text", f'the description says "{replacing}": it replaces text in place')
    if facts.destructive_options:
        # on a read, only an option to overwrite: "extract_archive" with "overwrite" writes where it extracts
        option = next((o for o in facts.destructive_options if v.category != "read" or "overwrite" in o.lower()), None)
        if option is not None:
            v.raise_to("destructive", "destructive-option", f"option '{option}' deletes or overwrites")
    if v.category == "read":
        return
    signal = ending_signal(description)
    if signal is not None:  # "Send a signal (INT, TERM, KILL) to a remote process": it may end it, unsaved
        v.raise_to("destructive", "ending-signal", f"the description names the signal {signal}: it can end a process")
    if facts.irreversible_flags:  # "Disable a saved card" with "confirm": "Must be true; disable is irreversible"
        flag, said = facts.irreversible_flags[0]
        v.raise_to("destructive", "irreversible-flag", f"flag '{flag}' says \"{said}\": the act cannot be undone")
    if facts.removals:  # "removeFields": an edit that also takes things away
        v.raise_to("destructive", "removal-argument", f"argument '{facts.removals[0]}' lists what the call removes")
    phrase = irreversible(description)
    if phrase is not None:
        v.add("irreversible", f'the description says "{phrase}"')
        v.raise_to(
            "destructive",
            "irreversible-wording",
            f'the description says "{phrase}": it destroys or overwrites what was there',
        )
    methods = deleting_requests(description)
    if methods is not None:  # "Combine API requests … method: 'GET'|'POST'|'PATCH'|'DELETE'"
        v.raise_to(
            "destructive",
            "deleting-requests",
            f"the requests it sends may be DELETEs (the description lists {methods})",
        )
    _in_place_step(v, words, found, context, facts, leads, description)


def _may_say_effect(description: str) -> bool:
    """Whether the description's letters hold what the third person of a deleting or running verb begins with
    (``_EFFECT_STEMS``): a cheap test before its later sentences are read for one (most writes' descriptions
    hold none)."""
    text = letters(description).text
    for stem in _EFFECT_STEMS:  # a loop, not any() over a generator (a frame resumed per stem)
        if text.find(stem) >= 0:  # find, not in: see tokens.Letters
            break
    else:
        return False
    return True


def _creates_or_updates(lead_verbs: set[str]) -> bool:
    """The description's first verbs add and update ("Create or update", "Append or update rows")."""
    return "update" in lead_verbs and not lead_verbs.isdisjoint(_ADDING_VERBS)


def _lists_what_is_changed(path: str, name_words: list[str]) -> bool:
    """A top-level list whose items are what the name changes: bare ids or records (``ids``, ``records``), or the
    name's own noun (``update_issues`` with ``issue_ids``); not a field of the one thing changed (``update_group``
    with ``users``, ``update_story`` with ``owner_ids``)."""
    if "." in path or "[" in path:
        return False
    listed = tokenize(path)
    if not listed:
        return False
    if listed[-1] in _GENERIC_TARGETS:
        if len(listed) == 1:
            return True  # bare "ids", "records"
        noun = listed[-2]  # "issue_ids"
    else:
        noun = listed[-1]  # "issues"
    return _stem(noun) in {_stem(w) for w in name_words}


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _in_place_step(
    v: Verdict,
    words: list[str],
    found: list[NameVerb],
    context: list[str],
    facts: SchemaFacts,
    leads: list[LeadVerb],
    description: str,
) -> None:
    """Step 5, for a tool that changes something: what it changes in place, or many of at once."""
    forced = first_in(words, _FORCING_WORDS)
    if forced is not None:  # "force_push", "force_stop": past the checks that would keep what is there
        v.raise_to("destructive", "forced", f"the name's '{forced}': it acts past the checks that keep what is there")
    in_place = next((f for f in found if f.verb in _IN_PLACE_VERBS), None)
    file_noun = first_in(context, _FILE_NOUNS)
    if in_place is not None and file_noun is not None:
        v.raise_to(
            "destructive",
            "overwrites-file",
            f"'{in_place.written}' on a {file_noun}: replaces, changes or moves what was there, with no undo",
        )
    stored = first_in(words, _STORED_OBJECTS)
    if stored is not None:  # the act from the name, or the description's when the name's word may be a noun
        acts = [(f.verb, f.written) for f in found] or [(lead.verb, lead.written) for lead in leads[:2]]
        storing = next((written for verb, written in acts if verb in _STORING_VERBS), None)
        if storing is not None:
            v.raise_to(
                "destructive",
                "overwrites-file",
                f"'{storing}' on a stored {stored}: takes the place of the one at that key, with no undo",
            )
    # "write_cells" (cells last: not "set_cell_style"), or "update_range": "Set cell values, formulas …"
    cells = None if in_place is None else "cells" if words[-1:] == ["cells"] else sets_cell_values(description)
    if in_place is not None and cells is not None:
        v.raise_to(
            "destructive",
            "overwrites-cells",
            f"'{in_place.written}' puts values into cells (\"{cells}\"): what they held is gone",
        )
    bulk_word = first_in(words, _BULK_NAME_WORDS)
    targets = next((path for path in facts.lists if _lists_what_is_changed(path, words)), None)
    bulk = targets if targets is not None else None if bulk_word is None else f"the name's '{bulk_word}'"
    schema = first_in(words, _SCHEMA_NOUNS)
    if schema is not None and in_place is not None:
        v.raise_to(
            "destructive",
            "schema-change",
            f"'{in_place.written}' on a {schema}: changes the structure every record depends on",
        )
    if found and bulk is not None and any(f.verb in _OVERWRITE_VERBS for f in found):
        verb = next(f.written for f in found if f.verb in _OVERWRITE_VERBS)
        v.raise_to(
            "destructive", "bulk-overwrite", f"'{verb}' on many ({bulk}): overwrites many existing records at once"
        )
    if len(facts.replacements) > 1 and len({r.rsplit(".", 1)[-1][:3].lower() for r in facts.replacements}) > 1:
        # "old_text" and "new_text": a search-and-replace, in place
        v.raise_to(
            "destructive",
            "replaces-text",
            f"arguments '{facts.replacements[0]}' and '{facts.replacements[1]}' replace text where it stands",
        )
    verbs = {f.verb for f in found}
    changing = (
        "update" if "update" in verbs else min(verbs & _CHANGING_AFTER_CREATE, default=None) if "or" in words else None
    )
    if "create" in verbs and changing is not None:  # "create_or_update", "create_or_alter"
        v.raise_to("destructive", "upsert", f"create or {changing}: replaces an existing one wholesale")
    elif (
        not verbs.isdisjoint(_UPSERTING_VERBS) or facts.definitions or not verbs.isdisjoint(_ADDING_VERBS)
    ) and _creates_or_updates({lead.verb for lead in leads[:2]}):
        # "put_user_policy": "Create or update an inline policy"; "create_policy" with a "definition": "Create or
        # update a policy": what is given takes the place of what was there
        v.raise_to("destructive", "upsert", "the description says create or update: replaces an existing one wholesale")
