"""``screen_read``: a resource's contents and a prompt's messages screened as ``structuredContent`` is, a
base64 ``blob`` never scanned nor changed, the upstream's ``_meta`` kept, the result given never mutated."""

from __future__ import annotations

import copy
from typing import Any

from portcullis.screening.screen import META_KEY, WITHHELD_TEXT, screen_read
from portcullis.screening.settings import ScreenRule
from tests.oauth.servers import INJECTED, PEM

# base64 that happens to hold a cloud key's shape: a blob is bytes, not text for the model
BLOB = "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=AKIAIOSFODNN7EXAMPLE"


def _resource(text: str) -> dict[str, Any]:
    return {
        "contents": [
            {"uri": "file:///a.txt", "mimeType": "text/plain", "text": text},
            {"uri": "file:///a.bin", "mimeType": "application/octet-stream", "blob": BLOB},
        ],
        "_meta": {"upstream/etag": "7"},
    }


def test_a_secret_in_a_resource_is_redacted_and_the_blob_and_meta_are_kept() -> None:
    result = _resource(f"config:\n{PEM}")
    before = copy.deepcopy(result)
    out = screen_read(result, ScreenRule(secrets="redact"))
    assert result == before  # never mutated
    assert out.action == "redact" and [f.where for f in out.findings] == ["contents[0].text"]
    assert "PRIVATE KEY" not in out.result["contents"][0]["text"]
    assert out.result["contents"][1]["blob"] == BLOB
    assert out.result["_meta"]["upstream/etag"] == "7"
    assert out.result["_meta"][META_KEY]["findings"][0]["where"] == "contents[0].text"


def test_a_blob_alone_is_not_a_finding() -> None:
    result = _resource("nothing to see")
    assert screen_read(result, ScreenRule(secrets="deny", instructions="deny")).findings == []


def test_an_instruction_in_a_prompt_is_withheld_or_replaced() -> None:
    prompt = {
        "description": "A greeting",
        "messages": [{"role": "user", "content": {"type": "text", "text": INJECTED}}],
    }
    denied = screen_read(prompt, ScreenRule(instructions="deny"))
    assert denied.withheld and denied.findings[0].where == "messages[0].content.text"
    assert denied.result == prompt  # the caller answers an error instead
    redacted = screen_read(prompt, ScreenRule(instructions="redact"))
    assert redacted.result["messages"][0]["content"]["text"] == WITHHELD_TEXT
    assert redacted.result["description"] == "A greeting"


def test_an_instruction_in_a_prompts_description_is_found() -> None:
    prompt = {"description": INJECTED, "messages": []}
    out = screen_read(prompt, ScreenRule(instructions="warn"))
    assert [f.where for f in out.findings][:1] == ["description"]
