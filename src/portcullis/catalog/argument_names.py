"""What an argument's name alone says it may be: a secret, code, a URL, an amount, a list of targets, an
operation, a flag that deletes, where files go, a whole definition, a machine's size, a conflict policy.

Each name is read once (names repeat across a catalogue and between catalogues) into an ``ArgumentName``: its words
and a bit set of roles (the constants below). ``catalog.arguments`` reads the schema and the descriptions to decide
which of the roles an argument really has.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from portcullis.catalog.lexicon import AMOUNT_ARGS, CALLABLE_NOUNS, CODE_ARGS, OPERATION_ARGS, words
from portcullis.catalog.tokens import tokenize_tuple

__all__ = [
    "ALWAYS_CODE",
    "AMOUNT",
    "ARGV_WORDS",
    "CALLABLE",
    "CONFIG",
    "DEFINITION",
    "DELETING_NAME",
    "FREE_OPERATION",
    "INPUT_WORDS",
    "MAYBE_CODE",
    "MAYBE_PAYLOAD",
    "MAYBE_SECRET",
    "ON_CONFLICT",
    "OPERATION",
    "OUTPUT",
    "PAYLOAD",
    "PLACE",
    "PROGRAM_PATHS",
    "REPLACEMENT",
    "SECRET",
    "SIZE",
    "STATE_WORDS",
    "STORAGE",
    "TARGETS",
    "URL",
    "ArgumentName",
    "argument_name",
    "names_a_query_language",
]

_SECRET_WORDS = words(
    "mnemonic mnemonics passphrase password passwords passwd credential credentials "
    "secret secrets privatekey privkey apikey jwt cookie cookies otp totp seedphrase"
)

_SECRET_PAIRS = frozenset(
    {
        ("private", "key"),
        ("priv", "key"),
        ("api", "key"),
        ("secret", "key"),
        ("seed", "phrase"),
        ("signing", "key"),
        ("client", "secret"),
        ("app", "secret"),
        ("recovery", "phrase"),
    }
)

_TOKEN_QUALIFIERS = words(
    "access auth bearer refresh session login api oauth id csrf personal wallet github slack bot user admin"
)

_PAYLOAD_WORDS = words("html template templates payload payloads raw markup xml svg")

_URL_WORDS = words("url urls uri uris webhook webhooks callback endpoint")

_BULK_TARGETS = words(
    "ids addresses recipients targets accounts wallets orders paths files entities "
    "records users emails symbols tokens keys messages transactions issues documents rows "
    "objects resources names urls relations observations contacts numbers"
)

# A path or destination argument whose description says the tool saves there ("The local path to save the
# downloaded file to"): where it writes, whatever its name.
_PLACE_WORDS = words("path file destination dest")

# A path into a document, not a file's: "jsonPath", "field_path".
_DATA_PATH_QUALIFIERS = words("json jq x field property key attribute object value data")

# Where a tool writes the files it makes ("output_dir", "outputPath").
_OUTPUT_NAMES = words(
    "output_dir output_directory output_folder output_path output_file out_dir out_path out_file outdir outpath"
)

# A search-and-replace pair ("old_text" and "new_text"): an edit that overwrites the text where it stands.
_REPLACEMENT_NAMES = words("new_text new_string new_str old_text old_string old_str")

# An argument that holds a whole definition (``policy``, ``config``, ``workflow``): put in place, it is what
# there will be, whatever was there (an ``…_id`` or ``…_name`` only names one; a ``document`` is as often a record
# put new).
_DEFINITION_WORDS = words("config configuration policy definition dashboard manifest workflow automation rules ruleset")

# A configuration given whole, as one text ("config_xml", "config": "The wrangler.toml configuration content"):
# its name holds a configuration word, and its name or description a document's.
_CONFIG_WORDS = words("config configuration env dotenv")  # a whole .env text is a configuration too

# What runs with a size of its own sets it by an argument named for memory, CPUs, or a disk's size.
_SIZE_WORDS = words("memory ram cpu cpus cores vcpu vcpus")

_DISK_WORDS = words("disk disks storage volume")

_DISK_SIZES = words("size gb gib mb mib")

# Where a server keeps what it fetched.
_STORAGE_WORDS = words("storage datastore bucket pool")

# What to do when the thing is already there ("on_duplicate", "ifExists", "conflict_behavior"): one of its values
# may put the new in place of the old.
_CONFLICT_WORDS = words("duplicate duplicates conflict conflicts collision exists existing")

# A status set to one of these ("ENABLED, PAUSED, or REMOVED") is the thing removed.
STATE_WORDS = words("status state")

INPUT_WORDS = words("input stdin keys keystrokes text")

ALWAYS_CODE = words("script scripts command commands cmd sql shell bash")

# Free-text arguments that choose what a router tool does (``mode``/``kind`` are more often a style).
_FREE_OPERATION_ARGS = words(
    "action actions operation operations op method subcommand sub_command command commands cmd"
)

_REMOVAL_ENDINGS = frozenset({("to", "remove"), ("to", "delete")})  # "fields_to_remove"
_HOW_MODES = frozenset(
    {"selection", "select", "sort", "display", "view", "search", "match", "matching", "render", "output", "response"}
)
_MODAL_PREFIXES = frozenset({"should", "do", "also", "then"})  # "shouldDelete", "do_purge": set, the call does it

_DESTRUCTIVE_OPTION_WORDS = words(
    "delete remove purge overwrite drop destroy erase wipe truncate trash prune clobber force_delete replace_existing"
)

# What an argument's name alone can make it (bits of ``ArgumentName.roles``); the schema and descriptions decide
# the rest. Names repeat across a catalogue and between catalogues: each is read once.
(
    SECRET,
    MAYBE_SECRET,
    PAYLOAD,
    MAYBE_PAYLOAD,
    URL,
    AMOUNT,
    TARGETS,
    OPERATION,
    FREE_OPERATION,
    MAYBE_CODE,
    DELETING_NAME,
    OUTPUT,
    CONFIG,
    REPLACEMENT,
    DEFINITION,
    PLACE,
    SIZE,
    STORAGE,
    CALLABLE,
    ON_CONFLICT,
) = (1 << i for i in range(20))

# A command line's arguments ("args": ["compute", "instances", "delete", …]): code when the tool runs a command.
ARGV_WORDS = words("args argv arguments")

# Where the program the tool runs is ("miner_bin", "executable"): whatever is there runs.
PROGRAM_PATHS = words("bin binary executable exe")
_CODE_NAME_ENDINGS = (
    ALWAYS_CODE | INPUT_WORDS | ARGV_WORDS | PROGRAM_PATHS | words("command commands cmd query queries code source")
)


def names_a_query_language(word: str) -> bool:
    """A word that names a query language by its "QL" ("vql", "hql", "surrealql"; not "sql", listed already)."""
    return len(word) >= 3 and word.endswith("ql") and word.isalpha()


class ArgumentName:
    """The words of an argument's name, joined with ``_``, and the roles the name alone allows."""

    __slots__ = ("joined", "roles", "words")

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = words
        self.joined = joined = "_".join(words)
        last = words[-1]
        roles = 0
        if _secret_name(words):
            roles |= SECRET
        elif last in ("token", "key", "seed", "pk"):
            roles |= MAYBE_SECRET
        if last in _PAYLOAD_WORDS or words[0] == "raw":
            roles |= PAYLOAD
        elif last == "body":
            roles |= MAYBE_PAYLOAD
        roles |= URL if last in _URL_WORDS else 0
        # "amount", "amount_micros", "daily_budget": what is paid or may be spent
        roles |= AMOUNT if last in AMOUNT_ARGS or joined in AMOUNT_ARGS or "amount" in words or last == "budget" else 0
        roles |= TARGETS if last in _BULK_TARGETS else 0
        # a mode of how results are picked or shown ("selection_mode", "sort_mode") is no operation ("write_mode"
        # with "overwrite" still is)
        if joined in OPERATION_ARGS or (last in OPERATION_ARGS and (last != "mode" or words[0] not in _HOW_MODES)):
            roles |= OPERATION
            roles |= FREE_OPERATION if joined in _FREE_OPERATION_ARGS or last in _FREE_OPERATION_ARGS else 0
        # a query language's name ("vql", "hql", "surrealql") holds a query in it, as "sql" does
        roles |= MAYBE_CODE if last in _CODE_NAME_ENDINGS or joined in CODE_ARGS or names_a_query_language(last) else 0
        if (
            joined in _DESTRUCTIVE_OPTION_WORDS
            or words[0] in _DESTRUCTIVE_OPTION_WORDS
            or words == ("in", "trash")
            or words[-2:] in _REMOVAL_ENDINGS
            or (len(words) == 2 and words[0] in _MODAL_PREFIXES and words[1] in _DESTRUCTIVE_OPTION_WORDS)
        ):
            roles |= DELETING_NAME
        roles |= OUTPUT if joined in _OUTPUT_NAMES else 0
        roles |= CONFIG if not _CONFIG_WORDS.isdisjoint(words) else 0
        roles |= REPLACEMENT if joined in _REPLACEMENT_NAMES else 0
        roles |= DEFINITION if last in _DEFINITION_WORDS else 0
        roles |= PLACE if last in _PLACE_WORDS and (len(words) == 1 or words[-2] not in _DATA_PATH_QUALIFIERS) else 0
        roles |= SIZE if _sets_size(words) else 0
        roles |= STORAGE if last in _STORAGE_WORDS else 0
        named = words[-2] if len(words) > 1 and last in ("name", "id") else last
        roles |= CALLABLE if named in CALLABLE_NOUNS else 0
        roles |= ON_CONFLICT if not _CONFLICT_WORDS.isdisjoint(words) or last in STATE_WORDS else 0
        self.roles = roles


def _sets_size(words: tuple[str, ...]) -> bool:
    """A name that sets a machine's size: its last word (``memory``, ``cpus``), or a disk's size (``disk_gb``)."""
    last = words[-1]
    return last in _SIZE_WORDS or (last in _DISK_SIZES and not _DISK_WORDS.isdisjoint(words[:-1]))


@lru_cache(maxsize=8192)
def argument_name(name: str) -> ArgumentName | None:
    words = tokenize_tuple(name)
    return ArgumentName(words) if words else None


def _secret_name(words: tuple[str, ...]) -> bool:
    if not _SECRET_WORDS.isdisjoint(words):
        return True
    for pair in pairwise(words):
        if pair in _SECRET_PAIRS:
            return True
    return words[-1] == "token" and len(words) > 1 and words[-2] in _TOKEN_QUALIFIERS
