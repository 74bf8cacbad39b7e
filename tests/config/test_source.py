"""YAML syntax errors are reported where the problem is, as ``FILE:LINE: …``, in a config and in a policy."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.gateway.proc import PYTHON

_WAIT = 60


def _portcullis(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "portcullis", *args],
        capture_output=True,
        text=True,
        timeout=_WAIT,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )


def test_an_unclosed_bracket_in_the_config_is_reported_where_it_opened(tmp_path: Path) -> None:
    (tmp_path / "portcullis.yaml").write_text("servers:\n  a:\n    command: x\n    args: [1, 2\n")  # 4 lines
    got = _portcullis(tmp_path, "tools")
    assert got.returncode == 2, got.stderr
    assert "portcullis.yaml:4: $: not valid YAML/JSON: expected ',' or ']'" in got.stderr, got.stderr
    assert "at line 5, column 1 (the end of the file)" in got.stderr
    assert "while parsing a flow sequence that starts at line 4, column 11" in got.stderr
    assert "portcullis.yaml:5:" not in got.stderr and "Traceback" not in got.stderr


def test_an_unclosed_quote_in_a_yaml_policy_is_reported_where_it_opened(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        'version: "1"\ndefault: deny\ntools:\n  a__b: {action: "allow}\n  a__c: {action: deny}\n'
    )
    got = _portcullis(tmp_path, "policy", "check", "policy.yaml")
    assert got.returncode == 1, got.stdout + got.stderr
    assert "policy.yaml:4: $: not valid YAML/JSON: found unexpected end of stream" in got.stdout, got.stdout
    assert "while scanning a quoted scalar that starts at line 4, column 18" in got.stdout


def test_a_problem_in_the_middle_keeps_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "portcullis.yaml").write_text("servers:\n  a:\n    command: x\n   args: []\nlisten: 1\n")
    got = _portcullis(tmp_path, "tools")
    assert got.returncode == 2 and "portcullis.yaml:4: $: not valid YAML/JSON:" in got.stderr, got.stderr
