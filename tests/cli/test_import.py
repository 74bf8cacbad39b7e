"""``portcullis import``: a Claude Desktop / Cursor file becomes a valid portcullis.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portcullis.cli import main
from portcullis.config import load_config


def test_import_writes_a_config_the_gateway_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "claude_desktop_config.json"
    src.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "time": {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"]},
                    "my.remote": {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
                }
            }
        )
    )
    out = tmp_path / "portcullis.yaml"
    assert main(["import", str(src), "-o", str(out)]) == 0
    monkeypatch.setenv("TOKEN", "abc")
    config = load_config(out)
    assert set(config.servers) == {"time", "my-remote"}
    assert config.servers["time"].args == ("--local-timezone", "UTC")
    assert config.servers["my-remote"].headers == {"Authorization": "Bearer abc"}
    assert config.servers["my-remote"].transport == "streamable-http"


def test_import_refuses_to_overwrite_and_reports_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "c.json"
    src.write_text(json.dumps({"mcpServers": {"x": {"command": "echo"}}}))
    out = tmp_path / "portcullis.yaml"
    out.write_text("keep: me\n")
    assert main(["import", str(src), "-o", str(out)]) == 2
    assert out.read_text() == "keep: me\n"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"mcpServers": {"x": {"args": ["no command"]}}}))
    assert main(["import", str(bad), "-o", str(tmp_path / "o.yaml")]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "$.mcpServers.x" in err and "command" in err


def test_import_names_renamed_servers_refuses_non_objects_and_says_what_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "claude_desktop_config.json"
    src.write_text(json.dumps({"mcpServers": {"my.files": {"command": "echo"}, "time": {"command": "echo"}}}))
    assert main(["import", str(src), "-o", str(tmp_path / "portcullis.yaml")]) == 0
    err = capsys.readouterr().err
    assert "server 'my.files' is named 'my-files' here (its tools are my-files__<tool>" in err
    assert "'time' is named" not in err
    assert err.rstrip().endswith("next: portcullis init  (discovers every tool, writes policy.json)")
    src.write_text(json.dumps({"mcpServers": {"time": {"command": "echo"}, "broken": "mcp-server-time"}}))
    assert main(["import", str(src), "-o", str(tmp_path / "other.yaml")]) == 2  # not silently left out
    err = capsys.readouterr().err
    assert "$.mcpServers.broken: must be an object with a 'command' or a 'url'" in err
    assert not (tmp_path / "other.yaml").exists()


@pytest.mark.parametrize(
    "command", [["tools"], ["serve"], ["init"], ["keys", "create", "laptop-agent"], ["keys", "list"], ["recommend"]]
)
def test_a_command_without_a_config_says_how_to_write_one(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "portcullis.yaml" in err and "'portcullis import FILE'" in err, err
    assert "(portcullis init)" not in err  # init needs the config too: no sending the user in circles
