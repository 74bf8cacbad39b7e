"""``portcullis keys create``: the key is printed once, only its SHA-256 is stored, the config stays valid."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from portcullis.cli import main
from portcullis.config import load_config
from portcullis.policy import authenticate

YAML = """# my gateway
servers:
  git:
    command: "true"   # a comment that must survive
  time:
    command: "true"

grants:
  - name: old
    key_sha256: "%s"

store: memory
""" % ("0" * 64)


def test_create_in_yaml_keeps_comments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(YAML)
    assert main(["keys", "create", "bob", "-c", str(config), "--servers", "git", "--policy", "p.json"]) == 0
    key = capsys.readouterr().out.strip()
    text = config.read_text()
    assert key not in text and hashlib.sha256(key.encode()).hexdigest() in text
    assert "# a comment that must survive" in text and text.startswith("# my gateway")
    loaded = load_config(config)
    bob = authenticate(loaded.grants, key)
    assert bob is not None and (bob.name, bob.servers, bob.policy) == ("bob", ("git",), "p.json")
    assert [g.name for g in loaded.grants] == ["old", "bob"] and loaded.store == "memory"


def test_create_without_grants_and_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("servers:\n  git: {command: 'true'}\n")
    assert main(["keys", "create", "a", "-c", str(config)]) == 0
    key_a = capsys.readouterr().out.strip()
    assert main(["keys", "create", "b", "-c", str(config), "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["name"] == "b" and doc["key_sha256"] == hashlib.sha256(doc["key"].encode()).hexdigest()
    grants = load_config(config).grants
    assert [g.name for g in grants] == ["a", "b"] and authenticate(grants, key_a) is grants[0]

    js = tmp_path / "c.json"
    js.write_text('{"servers": {"git": {"command": "true"}}, "grants": []}')
    assert main(["keys", "create", "j", "-c", str(js)]) == 0
    key_j = capsys.readouterr().out.strip()
    assert authenticate(load_config(js).grants, key_j) is not None


def test_refusals_leave_the_file_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(YAML)
    assert main(["keys", "create", "old", "-c", str(config)]) == 2
    assert main(["keys", "create", "x", "-c", str(config), "--servers", "nope"]) == 2
    assert main(["keys", "create", "x", "-c", str(tmp_path / "missing.yaml")]) == 2
    assert config.read_text() == YAML
    assert capsys.readouterr().out == ""
