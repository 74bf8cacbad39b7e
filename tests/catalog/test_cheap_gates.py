"""The cheap tests that spare the classifier a costly reading are necessary conditions: every text the reading could
find something in passes them."""

from __future__ import annotations

from portcullis.catalog import changes
from portcullis.catalog.classify import classify_tool
from portcullis.catalog.verbs import base_of
from tests.catalog.definitions import tool


def test_every_third_person_of_a_deleting_or_running_verb_opens_with_a_stem_the_write_gate_looks_for() -> None:
    for verb in changes._DELETING_EFFECTS | changes._RUNNING_EFFECTS:
        # prose finds a third person by stripping "s", "es" or "ies" (for "y"): every such form of the verb
        forms = {verb + "s", verb + "es", verb[:-1] + "ies"}
        for form in (f for f in forms if base_of(f) == verb):
            assert any(form.encode().startswith(stem) for stem in changes._EFFECT_STEMS), form


def test_a_write_that_says_in_a_later_sentence_it_deletes_is_still_read() -> None:
    for said in ("Deletes the associated draft.", "Also purges the cache.", "It then drops the old index."):
        c = classify_tool(tool("cancel_scheduled_email", f"Cancel a scheduled email. {said}"))
        assert c.category == "destructive", said
    assert not changes._may_say_effect("Cancel a scheduled email. Sends a notice to the owner.")
