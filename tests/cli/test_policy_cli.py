"""``portcullis policy check`` and ``policy explain``: output, JSON and exit status."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from portcullis.catalog.pin_stores import SqlitePinStore
from portcullis.catalog.pins import Pin
from portcullis.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def test_check_valid_files(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.*"))
    assert main(["policy", "check", *files]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == len(files)


def test_check_reports_every_problem_with_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('version: "1"\ntools:\n  a:\n    action: nope\n    limits: [{window: 60, max: 1, scope: x}]\n')
    assert main(["policy", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4: $.tools.a.action" in out
    assert f"{bad}:5: $.tools.a.limits[0].scope" in out
    assert main(["policy", "check", "--json", str(bad), str(EXAMPLES / "design.json")]) == 1
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["ok"] is False and [f["ok"] for f in doc["files"]] == [False, True]
    assert {p["path"] for p in doc["files"][0]["problems"]} == {"$.tools.a.action", "$.tools.a.limits[0].scope"}
    assert all(p["line"] for p in doc["files"][0]["problems"])


def test_check_flags_a_session_rule_naming_a_tag_no_tool_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "flow.yaml"
    policy.write_text(
        'version: "1"\n'
        "tools:\n  gh__get_file: {tags: [private_data]}\n  gh__create_issue: {tags: [external_comm]}\n"
        "sessions:\n  - {name: trifecta, after: [private_data, untrusted_content], then: external_comm}\n"
    )
    assert main(["policy", "check", str(policy)]) == 1
    out = capsys.readouterr().out
    assert f"{policy}:6: $.sessions[0].after" in out  # the rule's line
    assert "session rule 'trifecta' names tag 'untrusted_content', which no tool has" in out
    assert "external_comm" not in out.split("which no tool has")[0]  # a tag some tool has is not flagged
    policy.write_text(
        policy.read_text().replace(
            "gh__get_file: {tags: [private_data]}", "gh__get_file: {tags: [private_data, untrusted_content]}"
        )
    )
    assert main(["policy", "check", str(policy)]) == 0


def test_check_missing_file_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(tmp_path / "nope.json")]) == 1
    assert "file not found" in capsys.readouterr().out


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    design = str(EXAMPLES / "design.json")
    assert (
        main(
            [
                "policy",
                "explain",
                "--policy",
                design,
                "--tool",
                "sperax__transfer_token",
                "--args",
                '{"amount": 12, "to": "0xTREASURY"}',
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "decision:   allow" in out and "spend" in out and "this call costs 12" in out
    assert (
        main(
            [
                "policy",
                "explain",
                "--policy",
                design,
                "--tool",
                "sperax__transfer_token",
                "--args",
                '{"amount": 12, "to": "0xELSE"}',
                "--json",
            ]
        )
        == 1
    )
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["decision"] == "deny" and doc["argument"] == "to"
    assert doc["rule"] == "$.tools.sperax__transfer_token.deny_if[0]"
    assert main(["policy", "explain", "--policy", design, "--tool", "sperax__x_private_key"]) == 1
    assert main(["policy", "explain", "--policy", design, "--tool", "sperax__t", "--args", "[1]"]) == 2
    assert main(["policy", "explain", "--policy", design, "--tool", "plain"]) == 2


def test_explain_with_a_grant_from_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy.json").write_text((EXAMPLES / "design.json").read_text())
    config = tmp_path / "portcullis.yaml"
    config.write_text(f"""servers:
  sperax: {{command: "true"}}
  github: {{command: "true"}}
grants:
  - {{name: alice, key_sha256: "{"a" * 64}", servers: [sperax], policy: policy.json}}
  - {{name: nopolicy, key_sha256: "{"b" * 64}"}}
""")
    base = ["policy", "explain", "-c", str(config)]
    assert main([*base, "--grant", "alice", "--tool", "sperax__BinanceOptionsCreateListenKey", "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert {lim["scope_id"] for lim in doc["limits"]} == {"alice"}
    assert main([*base, "--grant", "alice", "--tool", "github__list"]) == 1
    assert "may not reach server 'github'" in capsys.readouterr().out
    assert main([*base, "--grant", "nopolicy", "--tool", "github__list"]) == 1
    assert "no-policy" in capsys.readouterr().out
    assert main([*base, "--grant", "mallory", "--tool", "github__list"]) == 2


def test_explain_notes_a_tool_no_server_has(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy.json").write_text('{"version": "1", "tools": {"files__read_file": {}}}')
    config = tmp_path / "portcullis.yaml"
    config.write_text('servers: {files: {command: "true"}}\npolicy: policy.json\n')
    store = SqlitePinStore(tmp_path / "portcullis.pins.db")
    asyncio.run(store.save([Pin.of("files", {"name": "read_file", "inputSchema": {}}, 0.0, "test")]))
    asyncio.run(store.close())
    base = ["policy", "explain", "-c", str(config)]
    assert main([*base, "--tool", "files__read_fil"]) == 1  # denied by default, as the gateway would
    captured = capsys.readouterr()
    assert "decision:   deny" in captured.out
    assert (
        "note: unknown tool 'files__read_fil': server 'files' has no tool 'read_fil' (did you mean files__read_file?)"
    ) in captured.err
    assert main([*base, "--tool", "fils__read_file"]) == 1
    assert "the config has no server 'fils'" in capsys.readouterr().err
    assert main([*base, "--tool", "files__read_file"]) == 0
    assert "note" not in capsys.readouterr().err
