"""Structured logs: JSON lines with fields, redacted like the audit trail; the ``logging`` settings checked."""

from __future__ import annotations

import io
import logging

import orjson
import pytest

from portcullis.errors import ConfigError
from portcullis.logs import configure_logging, log_event


def test_json_lines_carry_fields_and_hide_secrets() -> None:
    out = io.StringIO()
    handler = configure_logging({"format": "json", "level": "info"}, redact=["iban"], stream=out)
    log = logging.getLogger("portcullis.test.logs")
    try:
        log_event(
            log,
            logging.INFO,
            "call denied",
            tool="pay",
            arguments={"iban": "DE89370400440532013000", "password": "pw-123456"},
        )
        log.debug("not shown at info")
        log.warning("dsn is postgresql://u:pw-abcdef@db/x")
    finally:
        logging.getLogger("portcullis").removeHandler(handler)
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["message"] == "call denied" and first["level"] == "info" and first["tool"] == "pay"
    assert first["logger"] == "portcullis.test.logs" and first["time"].endswith("Z")
    assert first["arguments"] == {"iban": "[REDACTED]", "password": "[REDACTED]"}
    assert "pw-abcdef" not in second["message"]


def test_text_format_and_handler_replacement() -> None:
    out1, out2 = io.StringIO(), io.StringIO()
    configure_logging({}, stream=out1)
    handler = configure_logging({"format": "text"}, stream=out2)
    try:
        log_event(logging.getLogger("portcullis.x"), logging.INFO, "hello", n=1, token="abc")
    finally:
        logging.getLogger("portcullis").removeHandler(handler)
    assert out1.getvalue() == ""
    assert "info portcullis.x: hello n=1 token=[REDACTED]" in out2.getvalue()


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError) as err:
        configure_logging({"format": "xml", "level": "loud", "colour": True})
    paths = {p.path for p in err.value.problems}
    assert paths == {"$.logging.format", "$.logging.level", "$.logging.colour"}
