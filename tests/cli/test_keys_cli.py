"""``portcullis keys create``: the key is printed once, only its SHA-256 is stored, the config stays valid."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson
import pytest

from portcullis.cli import main
from portcullis.config import load_config
from portcullis.errors import ConfigError
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
    (tmp_path / "p.json").write_text('{"version": "1", "default": "deny"}')
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


def test_list_is_a_table_with_a_header_that_fits_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(YAML)
    long_policy = "policies/" + "a-very-long-policy-file-name-" * 3 + ".json"
    assert (
        main(["keys", "create", "bob", "-c", str(config), "--servers", "git,time", "--policy", long_policy, "--force"])
        == 0
    )
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["keys", "list", "-c", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "SERVERS", "POLICY", "KEY", "SHA-256"], lines
    assert [line.split()[0] for line in lines[1:]] == ["old", "bob"]
    assert all(len(line) <= 60 for line in lines), lines
    assert "…" in lines[2] and "git,time" in lines[2]
    assert main(["keys", "list", "-c", str(config), "--json"]) == 0
    listed = orjson.loads(capsys.readouterr().out)
    assert [(g["name"], g["servers"], g["policy"]) for g in listed] == [
        ("old", ["*"], None),
        ("bob", ["git", "time"], long_policy),
    ]
    assert listed[0]["key_sha256"] == "0" * 64


def test_rotate_and_revoke_edit_the_yaml_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(YAML)
    assert main(["keys", "create", "bob", "-c", str(config), "--servers", "git"]) == 0
    old_key = capsys.readouterr().out.strip()
    assert main(["keys", "rotate", "bob", "-c", str(config)]) == 0
    new_key = capsys.readouterr().out.strip()
    grants = load_config(config).grants
    assert new_key != old_key and authenticate(grants, old_key) is None
    rotated = authenticate(grants, new_key)
    assert rotated is not None and (rotated.name, rotated.servers) == ("bob", ("git",))
    assert main(["keys", "revoke", "old", "-c", str(config)]) == 0
    text = config.read_text()
    assert "# a comment that must survive" in text and "store: memory" in text and "0" * 64 not in text
    assert [g.name for g in load_config(config).grants] == ["bob"]
    assert main(["keys", "revoke", "bob", "-c", str(config)]) == 0
    emptied = load_config(config)
    assert emptied.grants == () and emptied.require_keys  # 'grants: []': keys are still required
    assert main(["keys", "revoke", "nobody", "-c", str(config)]) == 2
    assert main(["keys", "rotate", "nobody", "-c", str(config)]) == 2
    assert "no grant named 'nobody'" in capsys.readouterr().err


def test_grant_names_are_validated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(YAML)
    for bad in ("has space", "{tag}", "a:b", ".dot-first", "x" * 65):
        assert main(["keys", "create", "-c", str(config), "--", bad]) == 2, bad
    assert "is not valid: use letters, digits" in capsys.readouterr().err
    assert config.read_text() == YAML
    config.write_text(YAML.replace("name: old", "name: 'bad name'"))
    with pytest.raises(ConfigError, match="grant name 'bad name' is not valid"):
        load_config(config)


def test_create_warns_of_a_key_without_policy_and_of_the_first_grant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text("servers:\n  git: {command: 'true'}\npolicy: policy.json\n")
    (tmp_path / "policy.json").write_text('{"version": "1", "default": "deny"}')
    assert main(["keys", "create", "a", "-c", str(config)]) == 0
    err = capsys.readouterr().err
    assert (
        "grant 'a' has no policy, so every call with its key is denied: pass --policy policy.json" in err
        and "the first grant" in err
        and "only with an agent key" in err
    ), err
    assert main(["keys", "create", "b", "-c", str(config), "--policy", "policy.json"]) == 0
    err = capsys.readouterr().err
    assert "warning" not in err and "first grant" not in err, err


def test_create_refuses_a_policy_serve_could_not_load_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text(YAML)
    assert main(["keys", "create", "bob", "-c", str(config), "--policy", "polcy.json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and config.read_text() == YAML
    assert "policy file polcy.json does not exist" in err and "no grant added" in err, err
    assert f"'portcullis recommend -c {config} -o {tmp_path / 'polcy.json'}'" in err and "portcullis init" in err
    assert "--force" in err and "configuration error" not in err
    (tmp_path / "bad.yaml").write_text("version: '1'\ndefault: maybe\n")
    assert main(["keys", "create", "bob", "-c", str(config), "--policy", "bad.yaml"]) == 2
    err = capsys.readouterr().err
    assert "policy file bad.yaml is not valid" in err and "$.default" in err and config.read_text() == YAML, err
    assert main(["keys", "create", "bob", "-c", str(config), "--policy", "polcy.json", "--force"]) == 0
    err = capsys.readouterr().err
    assert "warning: policy file polcy.json does not exist" in err and "denies this key's calls" in err
    assert [g.policy for g in load_config(config).grants] == [None, "polcy.json"]
    for verb in ("revoke", "rotate"):  # an unknown grant is refused, naming the known ones
        assert main(["keys", verb, "nobody", "-c", str(config)]) == 2
        assert "no grant named 'nobody'" in capsys.readouterr().err


def test_a_symlinked_config_stays_a_link_and_a_non_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "dotfiles" / "portcullis.yaml"
    real.parent.mkdir()
    real.write_text(YAML)
    link = tmp_path / "portcullis.yaml"
    link.symlink_to(real)
    assert main(["keys", "create", "bob", "-c", str(link)]) == 0
    assert link.is_symlink() and 'name: "bob"' in real.read_text()
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    assert main(["keys", "create", "bob", "-c", str(pipe)]) == 2
    assert "is not a regular file" in capsys.readouterr().err and not pipe.is_file()
