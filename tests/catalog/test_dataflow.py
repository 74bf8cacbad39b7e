"""Data-flow tags (catalog/dataflow.py): what a reading tool's name or description says it reads."""

from __future__ import annotations

from portcullis.catalog.dataflow import flow_of
from portcullis.catalog.tokens import tokenize


def _tags(name: str, description: str, category: str = "read") -> list[str]:
    return [signal.id for signal in flow_of(tokenize(name), description, None, category, [])]


def test_a_read_whose_name_says_nothing_takes_the_untrusted_noun_of_its_description() -> None:
    assert _tags("get_thing", "Returns the web page at an address.") == ["untrusted_content"]
    assert _tags("get_thing", "Returns the Comments, then more.") == ["untrusted_content"]


def test_only_the_description_s_first_words_and_whole_words_count() -> None:
    assert _tags("get_thing", "Returns a web-based summary of a thing.") == []  # "web-based" is not "web"
    assert _tags("get_thing", " ".join(["word"] * 30) + " web page") == []  # past the first 24 words
    assert _tags("get_thing", "Returns the thing.") == []


def test_the_name_s_nouns_come_first() -> None:
    (signal,) = flow_of(tokenize("get_issue"), "Returns the web page.", None, "read", [])
    assert signal.id == "untrusted_content" and "issue" in signal.evidence and "web" not in signal.evidence
