"""Result screening as a pure function: secrets, instructions, structured content, size, actions."""

from __future__ import annotations

from typing import Any

from portcullis.config.load import config_from_text
from portcullis.screening.screen import META_KEY, WITHHELD_TEXT, screen_result
from portcullis.screening.settings import ScreenRule
from tests.oauth.servers import INJECTED, PEM


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], **extra}


def test_a_pem_key_is_redacted_in_text_and_structured_content() -> None:
    result = _text(f"key:\n{PEM}\nend", structuredContent={"key": PEM, "nested": [{"note": f"x {PEM}"}]})
    out = screen_result(result, ScreenRule(secrets="redact"))
    assert out.action == "redact"
    assert "BEGIN PRIVATE KEY" not in str(out.result) and "[REDACTED]" in out.result["content"][0]["text"]
    assert out.result["content"][0]["text"].startswith("key:\n") and out.result["content"][0]["text"].endswith("end")
    assert out.result["structuredContent"]["key"] == "[REDACTED]"
    assert out.result["_meta"][META_KEY]["action"] == "redact"
    assert "BEGIN PRIVATE KEY" in result["content"][0]["text"]  # the input is not mutated


def test_warn_keeps_the_result_and_says_so_in_meta() -> None:
    out = screen_result(_text(INJECTED), ScreenRule(instructions="warn"))
    assert out.action == "warn" and out.result["content"] == [{"type": "text", "text": INJECTED}]
    findings = out.result["_meta"][META_KEY]["findings"]
    assert findings and all(f["kind"] == "instruction" for f in findings)
    assert "a tag addressed to the model" in out.summary()


def test_deny_withholds_the_result() -> None:
    out = screen_result(_text("fine", structuredContent={"forecast": INJECTED}), ScreenRule(instructions="deny"))
    assert out.withheld and out.result["isError"] is True
    assert INJECTED not in str(out.result) and "structuredContent.forecast" in out.result["content"][0]["text"]


def test_redacting_instructions_replaces_the_string() -> None:
    out = screen_result(_text(INJECTED), ScreenRule(instructions="redact"))
    assert out.result["content"][0]["text"] == WITHHELD_TEXT


def test_secret_keys_in_structured_content_are_found() -> None:
    out = screen_result(_text("ok", structuredContent={"db": {"password": "hunter2"}}), ScreenRule(secrets="redact"))
    assert out.result["structuredContent"]["db"]["password"] == "[REDACTED]"


def test_a_long_clean_result_is_not_a_finding_but_a_late_instruction_is() -> None:
    long = "All quiet on the western front. " * 2000
    assert screen_result(_text(long), ScreenRule(instructions="warn")).findings == []
    out = screen_result(_text(long + INJECTED), ScreenRule(instructions="warn"))
    assert out.findings


def test_size_limit() -> None:
    out = screen_result(_text("x" * 5000), ScreenRule(max_result_bytes=1000))
    assert out.withheld and out.findings[0].kind == "size"
    assert not screen_result(_text("x" * 500), ScreenRule(max_result_bytes=1000)).findings


def test_clean_results_pass_untouched() -> None:
    result = _text("The weather is fine.", structuredContent={"t": 21})
    out = screen_result(result, ScreenRule(secrets="redact", instructions="deny", max_result_bytes=10_000))
    assert out.result is result and out.action == "none"


def test_per_tool_rules_override_the_global_one() -> None:
    config = config_from_text(
        "screening:\n  secrets: warn\n  tools:\n    'vault__*': {secrets: deny}\n    'vault__peek': {secrets: redact}\n"
        "    fetch: {instructions: deny}\n"
    )
    screening = config.screening
    assert screening is not None
    assert screening.rule_for("vault", "read").secrets == "deny"
    assert screening.rule_for("vault", "peek").secrets == "redact"
    assert screening.rule_for("web", "fetch") == ScreenRule(secrets="warn", instructions="deny")
    assert screening.rule_for("web", "get") == ScreenRule(secrets="warn")


def test_every_credential_the_redactor_finds_is_a_finding() -> None:
    """Screening finds a secret in a result wherever the audit's redactor would redact one: every shape the
    audit tests use, inline forms, and random ASCII text around them. (Screening had a quick check of
    its own before the redactor, which missed a GitHub fine-grained token without "gh" inside it.)"""
    import random

    from portcullis.audit import Redactor
    from tests.audit.test_redact import SHAPES

    samples = [
        *SHAPES,
        "github_pat_" + "11ABCDEFG0123456789_abcdefXXijklmnop",
        "password=hunter2",
        '{"api_key": "abc"}',
        "?token=abc&x=1",
        "otp = 123456",
    ]
    rng = random.Random(14)
    alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=:-_./\"'@"
    redactor = Redactor()
    for i in range(1500):
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        text = noise + samples[i % len(samples)] if i % 2 else noise
        found = screen_result(_text(text), ScreenRule(secrets="warn")).findings
        assert bool(found) == (redactor.text(text) != text), text
