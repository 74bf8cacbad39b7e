"""The README's example outputs are what the commands print: ``tools show`` on a real server's tool."""

from __future__ import annotations

import pytest

from portcullis.cli import main
from tests.harness import ROOT

README = (ROOT / "README.md").read_text()


def _block_starting(first_line: str) -> str:
    start = README.index(f"```\n{first_line}\n") + len("```\n")
    return README[start : README.index("```", start)]


def test_the_tools_show_example_is_what_it_prints(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _block_starting("mcp-server-docker__recreate_container")
    fixture = ROOT / "tests" / "fixtures" / "real-servers" / "mcp-server-docker.json"
    args = ["tools", "show", "recreate_container", "--from", str(fixture), "--server", "mcp-server-docker"]
    assert main(args) == 0
    assert capsys.readouterr().out == shown
