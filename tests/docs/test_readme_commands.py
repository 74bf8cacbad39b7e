"""The README's commands as a newcomer copies them: the test command runs in an environment of its own
(never the ``.venv`` a running ``serve --demo`` was installed into), CI runs exactly that command, the
Inspector is pinned (to the version the tests run) and installed without a prompt, and Claude
Desktop's config file is named where each OS keeps it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

from tests.harness import ROOT

README = (ROOT / "README.md").read_text()


def _quickstart_commands() -> list[str]:
    """The command lines of the Quickstart's first code block (comments and blank lines dropped)."""
    block = README.split("## Quickstart", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


_STUB_PYTHON = """#!/usr/bin/env bash
# Stands in for python3: '-m venv DIR' makes DIR with stub tools that log how they were called.
echo "$0 $*" >> "$LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  for tool in python ruff mypy pytest; do
    cp "$0" "$3/bin/$tool"
  done
fi
exit 0
"""


def test_the_test_command_installs_into_its_own_environment(tmp_path: Path) -> None:
    first, test_command = _quickstart_commands()
    venv = re.match(r"python3 -m venv (\S+) ", first)
    assert venv is not None, first
    assert venv.group(1) == ".venv" and test_command == "./scripts/test"
    # A copy of the repository's scripts, with the peers and Debian package installers and python3 stubbed out.
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    _executable(repo / "scripts" / "test", (ROOT / "scripts" / "test").read_text())
    _executable(repo / "scripts" / "peers", "#!/usr/bin/env bash\nexit 0\n")
    _executable(repo / "scripts" / "system-packages", "#!/usr/bin/env bash\nexit 0\n")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    _executable(stubs / "python3", _STUB_PYTHON)
    (repo / ".venv" / "bin").mkdir(parents=True)  # the running demo's environment: must stay untouched
    _executable(repo / ".venv" / "bin" / "python", "#!/bin/sh\necho 'the demo venv was used' >&2\nexit 1\n")
    log = tmp_path / "calls.log"
    env = {**os.environ, "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}", "LOG": str(log)}
    env.pop("PORTCULLIS_TEST_VENV", None)
    done = subprocess.run(
        [test_command, "tests/cli", "-x"], cwd=repo, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0].endswith("/python3 -m venv .venv-test"), calls
    assert ".venv-test/bin/python -m pip install -q --disable-pip-version-check -e .[test]" in calls, calls
    assert calls[-1].endswith(".venv-test/bin/pytest tests/cli -x"), calls  # the arguments reach pytest
    assert not any(re.search(r"(^|[/ ])\.venv/", call) for call in calls), calls
    assert sorted(p.name for p in (repo / ".venv" / "bin").iterdir()) == ["python"]
    assert ".venv-test/" in (ROOT / ".gitignore").read_text().splitlines()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert run[-1] == f"exec {_quickstart_commands()[1]}"


def test_nothing_else_assumes_the_demo_environment() -> None:
    """Tests and benchmarks run ``portcullis`` with the interpreter that runs them, never ``.venv``'s."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("tests", "bench", "scripts")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.is_file()
        and path.suffix in (".py", "")
        and path != Path(__file__)
        and re.search(r"\.venv/", path.read_text(errors="replace"))
    ]
    assert offenders == []


def test_the_inspector_commands_are_pinned_to_the_tested_version_and_do_not_prompt() -> None:
    peers = (ROOT / "scripts" / "peers").read_text()
    tested = re.search(r"@modelcontextprotocol/inspector@(\S+)", peers)
    assert tested is not None
    npx_lines = [line for line in README.splitlines() if line.lstrip().startswith("npx ")]
    assert npx_lines
    for line in npx_lines:
        assert line.startswith(f"npx -y @modelcontextprotocol/inspector@{tested.group(1)} --cli "), line


def test_claude_desktop_config_is_named_where_each_os_keeps_it() -> None:
    for where in (
        "~/Library/Application Support/Claude/claude_desktop_config.json",
        "%APPDATA%\\Claude\\claude_desktop_config.json",
    ):
        assert where in README
    step_by_step = README.split("### Your own servers, step by step", 1)[1]
    assert 'portcullis import "$HOME/Library/Application Support/Claude/claude_desktop_config.json"' in step_by_step
