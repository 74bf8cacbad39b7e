"""The progress display of the catalogue commands: a redrawn status line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from portcullis.cli.progress import ServerProgress


def test_a_terminal_gets_one_redrawn_status_line_and_each_outcome_above_it() -> None:
    out = io.StringIO()
    progress = ServerProgress(2, out, tty=True)
    progress.starting("time", 60)
    progress.starting("git", 30)
    progress.tick()
    progress.listed("time", 2)
    progress.tick()
    progress.failed("git", "the server exited (code 1)")
    progress.close()
    text = out.getvalue()
    assert "\r\x1b[2K" in text and "0/2 servers listed; waiting for time 0s/60s, git 0s/30s" in text
    assert "✓ time: 2 tools\n" in text and "1/2 servers listed; waiting for git" in text
    assert "✗ git: the server exited (code 1)\n" in text


def test_elsewhere_plain_lines_only() -> None:
    out = io.StringIO()
    progress = ServerProgress(1, out, tty=False)
    progress.starting("time", 60)
    progress.tick()
    progress.listed("time", 1)
    progress.close()
    assert out.getvalue() == "starting server 'time' (waiting up to 60s for it)\nserver 'time': 1 tool\n"
