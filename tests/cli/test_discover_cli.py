"""``init``, ``tools``, ``tools show`` and ``recommend`` against live servers, as a user runs them.

They wait for servers that take 15 s to start (``tests/servers/slow_start.py`` in front of the real
server), print progress per server on stderr, and when a server cannot be listed they name it and exit
1 instead of writing a policy without its tools. ``init`` points ``policy:`` in the config at the
policy it writes; ``recommend --merge`` adds entries for new tools only and shows the diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from portcullis.config import load_config
from tests.e2e.support import cli
from tests.gateway.proc import FIXTURE
from tests.harness import SERVERS

SLOW_START = SERVERS / "slow_start.py"


def _slow(seconds: int, command: list[str]) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(SLOW_START), str(seconds), "--", *command]}


def _fixture(name: str, *extra: str) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(FIXTURE), "--name", name, *extra]}


_BROKEN = {
    "command": sys.executable,
    "args": ["-c", "import sys; sys.stderr.write('no such database\\n'); sys.exit(5)"],
}


def _config(folder: Path, servers: dict[str, Any], **extra: Any) -> Path:
    path = folder / "portcullis.yaml"
    path.write_text(
        "# my gateway\n" + yaml.safe_dump({"servers": servers, "audit": "sqlite:///audit.db", **extra}, sort_keys=False)
    )
    return path


def test_init_waits_for_slow_servers_with_progress_and_points_the_config_at_its_policy(
    tmp_path: Path, time_server: list[str]
) -> None:
    config = _config(
        tmp_path,
        {
            "time": _slow(15, time_server),
            "leg": _slow(15, [sys.executable, str(FIXTURE), "--name", "leg", "--era", "legacy"]),
        },
    )
    done = cli(tmp_path, "init")
    assert done.returncode == 0, done.stderr
    for server in ("time", "leg"):
        assert f"starting server '{server}' (waiting up to 60s for it)" in done.stderr
    assert "server 'time': 2 tools" in done.stderr
    policy = json.loads((tmp_path / "policy.json").read_text())
    assert {"time__get_current_time", "leg__echo"} <= set(policy["tools"])
    assert "set 'policy: \"policy.json\"' in" in done.stdout
    assert config.read_text().startswith("# my gateway\n")  # the file was added to, not rewritten
    assert load_config(config).policy == "policy.json"


def test_tools_names_a_server_it_cannot_list_and_exits_1(tmp_path: Path) -> None:
    _config(tmp_path, {"ok": _fixture("ok"), "db": _BROKEN})
    done = cli(tmp_path, "tools", "--json")
    assert done.returncode == 1
    assert {row["server"] for row in json.loads(done.stdout)} == {"ok"}
    assert "could not list the tools of server 'db': the server exited (code 5)" in done.stderr
    assert "no such database" in done.stderr  # the operator sees its stderr (agents never do)
    assert "fix 'db' (the lines above say why) or remove it from the config, then run this again" in done.stderr
    _config(tmp_path, {"ok": _fixture("ok"), "db": _BROKEN, "db2": _BROKEN})
    done = cli(tmp_path, "tools")
    assert "fix 'db', 'db2' (the lines above say why) or remove them from the config" in done.stderr


def test_servers_that_cannot_be_listed_are_named_in_the_configs_order(tmp_path: Path) -> None:
    """The report names failed servers in the config's order, not in the order they happened to fail: the first
    one here never answers and fails when its start-up wait ends, well after the second has died."""
    hangs = "import time\nwhile True: time.sleep(1)\n"  # the server's own behaviour: it never answers
    _config(
        tmp_path,
        {
            "first": {"command": sys.executable, "args": ["-c", hangs], "startup_timeout": 3},
            "second": _BROKEN,
        },
    )
    done = cli(tmp_path, "tools")
    assert done.returncode == 1
    assert "fix 'first', 'second' (the lines above say why) or remove them" in done.stderr
    reported = [line for line in done.stderr.splitlines() if line.startswith("portcullis: could not list")]
    assert len(reported) == 2 and "'first'" in reported[0] and "'second'" in reported[1]


def test_init_and_recommend_write_nothing_when_a_server_cannot_be_listed(tmp_path: Path) -> None:
    _config(tmp_path, {"ok": _fixture("ok"), "db": _BROKEN})
    done = cli(tmp_path, "init")
    assert done.returncode == 1
    assert "could not list the tools of server 'db'" in done.stderr and "nothing written" in done.stderr
    assert not (tmp_path / "policy.json").exists()
    done = cli(tmp_path, "recommend", "-o", "policy.json")
    assert done.returncode == 1 and "no policy written" in done.stderr
    assert not (tmp_path / "policy.json").exists()


def test_tools_show_starts_only_the_server_that_owns_the_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _config(
        tmp_path,
        {"a": _fixture("a", "--state", str(tmp_path / "a")), "b": _fixture("b", "--state", str(tmp_path / "b"))},
    )
    done = cli(tmp_path, "tools", "show", "a__echo")
    assert done.returncode == 0, done.stderr
    assert "a__echo" in done.stdout
    assert (tmp_path / "a" / "starts").exists() and not (tmp_path / "b" / "starts").exists()


def test_recommend_merge_adds_new_tools_and_leaves_hand_written_entries(tmp_path: Path) -> None:
    _config(tmp_path, {"fx": _fixture("fx", "--tools", "2")}, policy="policy.json")
    hand: dict[str, Any] = {
        "version": "1",
        "default": "deny",
        "hide": ["fx__crash"],
        "tools": {"fx__echo": {"action": "deny", "reason": "written by hand"}, "fx__t*": {"rate_limit": "5/minute"}},
    }
    (tmp_path / "policy.json").write_text(json.dumps(hand, indent=2) + "\n")
    done = cli(tmp_path, "recommend", "--merge")
    assert done.returncode == 0, done.stderr
    merged = json.loads((tmp_path / "policy.json").read_text())
    assert merged["tools"]["fx__echo"] == hand["tools"]["fx__echo"]
    assert merged["tools"]["fx__t*"] == hand["tools"]["fx__t*"] and merged["hide"] == ["fx__crash"]
    new = set(merged["tools"]) - set(hand["tools"])
    assert "fx__progress" in new and not {"fx__crash", "fx__t000", "fx__t001"} & new  # named by hide or a glob
    assert done.stdout.startswith("---") and '+    "fx__progress": {' in done.stdout
    lines = done.stdout.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    kept = {line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")}
    assert all(line + "," in kept for line in removed), done.stdout  # at most a comma after the last entry
    assert f"added {len(new)} entries" in done.stderr
    again = cli(tmp_path, "recommend", "--merge")
    assert again.returncode == 0 and again.stdout == "" and "nothing added" in again.stderr
