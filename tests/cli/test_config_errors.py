"""A command refused for its config says what to do: a variable the config reads from the environment
is named once, with the line to type, since every command reads the config as the gateway does."""

from __future__ import annotations

from pathlib import Path

import pytest

from portcullis.cli import main


def test_an_unset_variable_is_named_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PC_TEST_SECRET", raising=False)
    monkeypatch.delenv("PC_TEST_TOKEN", raising=False)
    config = tmp_path / "portcullis.yaml"
    config.write_text(
        "session_secret: ${PC_TEST_SECRET}\n"
        "servers:\n  docs: {url: 'https://x/mcp', headers: {Authorization: 'Bearer ${PC_TEST_TOKEN}'}}\n"
    )
    assert main(["keys", "list", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s) found" in err  # the secret's length is not held against it: it was never read
    assert "environment variable ${PC_TEST_SECRET} is not set" in err
    assert (
        "set PC_TEST_SECRET, PC_TEST_TOKEN in this shell too (export PC_TEST_SECRET=…), as in the gateway's environment"
    ) in err


def test_other_config_errors_carry_no_such_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text("session_secret: short\n")
    assert main(["keys", "list", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "must be at least 32 characters" in err and "in this shell too" not in err
