"""What a tool does to running infrastructure beyond its verb: a machine stopped by force, resized or given an
image in its storage, a deployment created.

A step of the classifier (``classify``), only raising the category:

- a stop or restart the description says is forced ("force stop", "hard stop") cuts the machine off as pulling
  its power does: what it had not written is lost (destructive, as ``power off``); a graceful one is a write;
- an update of a machine, an instance or a container whose arguments set its memory, its CPUs or its disk size
  resizes it (destructive, as ``resize``: a disk grown cannot shrink back, and the machine restarts on the new
  size); an update of its name or labels is a write;
- a download whose arguments give a URL and a storage to put it in (``url`` and ``storage``) fetches the file
  into the server's storage: a write, not the read a download to the caller is;
- creating a deployment (the name's object, ``create_deployment``) deploys: execute, as ``deploy`` does; a
  comment or a check created *on* a deployment is a write.
"""

from __future__ import annotations

from typing import Final

from portcullis.catalog.arguments import SchemaFacts
from portcullis.catalog.lexicon import first_in, words
from portcullis.catalog.losses import forced_stop
from portcullis.catalog.tokens import tokenize_tuple
from portcullis.catalog.verbs import NameVerb
from portcullis.catalog.verdict import Verdict

__all__ = ["infrastructure_step"]

_STOPPING_VERBS: Final[frozenset[str]] = words("stop halt restart reboot")
_CHANGING_VERBS: Final[frozenset[str]] = words("update set modify change edit adjust configure patch")
# What runs with a size of its own: memory, CPUs, a disk.
_MACHINES: Final[frozenset[str]] = words(
    "vm vms machine machines instance instances server servers container containers droplet droplets node nodes "
    "guest guests database databases cluster clusters"
)
_DOWNLOADING_VERBS: Final[frozenset[str]] = words("download fetch pull")
_URL_WORDS: Final[frozenset[str]] = words("url uri")
_CREATING_VERBS: Final[frozenset[str]] = words("create make new")
_DEPLOYMENTS: Final[frozenset[str]] = words("deployment deployments")
_ACTING_VERBS: Final[frozenset[str]] = _STOPPING_VERBS | _CHANGING_VERBS | _DOWNLOADING_VERBS | _CREATING_VERBS


def _last_word(path: str) -> str:
    """The last word of an argument's name (``source.downloadUrl`` → ``url``)."""
    named = tokenize_tuple(path.rsplit(".", 1)[-1].removesuffix("[]"))
    return named[-1] if named else ""


def _creates_deployment(found: list[NameVerb], name_words: list[str]) -> bool:
    """A name whose creating verb has a deployment for its object: the name's last word, at most two words after
    the verb (``create_deployment``, ``create_preview_deployment``; not ``create_deployment_key``)."""
    last = len(name_words) - 1
    return name_words[-1] in _DEPLOYMENTS and any(f.verb in _CREATING_VERBS and 0 < last - f.index <= 2 for f in found)


def infrastructure_step(
    v: Verdict, found: list[NameVerb], name_words: list[str], description: str, facts: SchemaFacts
) -> None:
    """Raise a forced stop and a resize of a machine to destructive, a download into a server's storage to a
    write, and a deployment created to execute."""
    if not found:
        return
    if len(found) == 1:  # most names: one verb, most often none of these (one test)
        if found[0].verb not in _ACTING_VERBS:
            return
        verbs = {found[0].verb}
    else:
        verbs = {f.verb for f in found}
    if v.category == "write" and name_words[-1] in _DEPLOYMENTS and _creates_deployment(found, name_words):
        v.raise_to("execute", "creates-deployment", "it creates a deployment: a deploy")
    if v.category == "read":
        if verbs.isdisjoint(_DOWNLOADING_VERBS):
            return
        url = next((path for path in facts.urls if _last_word(path) in _URL_WORDS), None)
        place = facts.storages[0] if facts.storages else None
        if url is not None and place is not None:
            v.raise_to(
                "write",
                "fetches-into-storage",
                f"arguments '{url}' and '{place}': it fetches what the URL holds into the server's storage",
            )
        return
    if not verbs.isdisjoint(_STOPPING_VERBS):
        phrase = forced_stop(description)
        if phrase is not None:
            v.raise_to(
                "destructive", "forced-stop", f'the description says "{phrase}": it cuts the machine off unwritten'
            )
            return
    if verbs.isdisjoint(_CHANGING_VERBS):
        return
    machine = first_in(name_words, _MACHINES)
    if machine is None:
        return
    size = facts.sizes[0] if facts.sizes else None
    if size is not None:
        v.raise_to(
            "destructive",
            "resizes-machine",
            f"an update of a {machine} whose argument '{size}' sets its size: a resize, in place",
        )
