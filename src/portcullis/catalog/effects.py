"""What a tool's job leaves behind beyond its verb: files it writes into the workspace (``output_dir``, "Generates
analysis files"), migrations it runs on a database ("apply_migration", "run any newer migrations"), and a whole
configuration or definition it puts in place of the one there (a ``config_xml`` or ``policy_document`` argument).

Steps of the classifier (``classify``), each only raising the category: a read that writes files as its job is
a write; a tool that applies or runs migrations executes statements that can change anything the database
holds; one that sets a configuration given whole destroys the settings the text leaves out.
"""

from __future__ import annotations

from typing import Final

from portcullis.catalog.lexicon import first_in, words
from portcullis.catalog.verbs import NameVerb
from portcullis.catalog.verdict import Verdict
from portcullis.catalog.wording import runs_migrations, writes_files

__all__ = ["config_step", "file_output_step", "migration_step"]

_MIGRATIONS: Final[frozenset[str]] = words("migration migrations")
# Verbs that fetch or record what is there: saving it to a file is still a read (logs, a screenshot, an export).
_RECORDING_VERBS: Final[frozenset[str]] = words(
    "get list search find describe show view query lookup fetch read retrieve capture screenshot snapshot trace "
    "record export download print dump extract take"
)
# Verbs that put a configuration in place of the one there.
_REPLACING_VERBS: Final[frozenset[str]] = words("set update replace put write save overwrite upload")
# Verbs that put a definition given whole in place of the one there; "update" may change only what it names.
_DEFINITION_PUTTING_VERBS: Final[frozenset[str]] = words("set replace put write save overwrite upload")


def migration_step(v: Verdict, words: list[str], description: str) -> None:
    """Step 4, last: applying a migration runs its statements against the database (``apply_migration``); a
    tool whose description says it runs or merges migrations executes them."""
    if v.category not in ("write", "execute"):
        return
    if v.category == "execute" and first_in(words, _MIGRATIONS) is not None:
        if not v.has("arbitrary-code"):
            v.add(
                "arbitrary-code", "it applies a migration: its statements can change or destroy what the database holds"
            )
        return
    phrase = runs_migrations(description)
    if phrase is not None:
        v.raise_to("execute", "runs-migrations", f'the description says "{phrase}": it runs migrations on the database')


def file_output_step(
    v: Verdict, found: list[NameVerb], description: str, outputs: list[str], required: list[str]
) -> None:
    """Step 5, for a read: a tool whose job is to write files (code, analysis documents) into the workspace
    changes it, whatever its verb ("generate … layer", "… analyzer"); one that records what it observed
    (a screenshot, an export) saved to a file if asked stays a read, but not one that must be told where to
    write (a dump or an export to a required ``outputPath``: its job is the file, made or written over).
    ``outputs``: its arguments naming where it writes; ``required``: those the caller must give."""
    if found and found[0].verb in _RECORDING_VERBS:
        if required:
            v.raise_to(
                "write",
                "writes-files",
                f"'{found[0].written}' must be told where to write (argument '{required[0]}'): it makes a file there",
            )
        return
    phrase = writes_files(description) if not outputs else None
    if not outputs and phrase is None:
        return
    evidence = (
        f"argument '{outputs[0]}' says where it writes its output" if outputs else f'the description says "{phrase}"'
    )
    v.raise_to("write", "writes-files", evidence + ("" if outputs else ": it writes files"))


def config_step(v: Verdict, found: list[NameVerb], configs: list[str], definitions: list[str]) -> None:
    """Step 5, for a tool that changes something: setting or updating a configuration given whole, as one
    text (``config_xml``), replaces every setting that was there, including the ones the text leaves out; so
    does putting or setting a definition (``put_policy`` with ``policy_document``, ``set_automation`` with
    ``config``): what is given is what there will be. Updating one may change only what it names."""
    if v.category == "read":
        return
    if definitions and not configs:
        verb = next((f for f in found if f.verb in _DEFINITION_PUTTING_VERBS), None)
        if verb is not None:
            v.raise_to(
                "destructive",
                "replaces-definition",
                f"'{verb.written}' puts the definition given (argument '{definitions[0]}') in place of the one there",
            )
        return
    if not configs:
        return
    verb = next((f for f in found if f.verb in _REPLACING_VERBS), None)
    if verb is not None:
        v.raise_to(
            "destructive",
            "replaces-config",
            f"'{verb.written}' with a whole configuration (argument '{configs[0]}'): replaces every setting there",
        )
