"""Ctrl-C in any ``portcullis`` command ends it quietly (status 130, no traceback), whenever it lands:
while the command's modules load, while it waits for an upstream that is slow to start, while it
follows the audit trail; and a closed output pipe (``portcullis audit | head``) is quiet too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from portcullis.cli import EXIT_INTERRUPTED
from tests.harness import child_pids, free_port
from tests.waiting import SLOW_WAIT, wait_for


def _config(folder: Path) -> Path:
    path = folder / "portcullis.yaml"
    # A server that never answers, with a start-up wait longer than any test: nothing may wait for it.
    path.write_text(
        f"servers:\n  slow: {{command: {sys.executable}, args: ['-c', 'import time; time.sleep(900)'], "
        "timeout: 900}\naudit: sqlite:///audit.db\n"
    )
    return path


class _Command:
    """``python -X importtime -m portcullis ARGS`` in ``folder``, its stderr read line by line as it comes."""

    def __init__(self, folder: Path, *args: str) -> None:
        if args[:1] == ("serve",):
            args = (*args, "--listen", f"127.0.0.1:{free_port()}")
        self.process = subprocess.Popen(  # stdin stays open: 'stdio' serves until it closes
            [sys.executable, "-X", "importtime", "-m", "portcullis", *args],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # as a shell starts it
        self.lines: list[str] = []
        self.stdout: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, sink), daemon=True)
            for stream, sink in ((self.process.stderr, self.lines), (self.process.stdout, self.stdout))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, sink: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line)

    def imported(self, module: str) -> bool:
        return any(line.rstrip().endswith(f"| {module}") for line in self.lines)

    def interrupt(self) -> tuple[int, str]:
        """Send SIGINT; the exit status and what the command wrote to stderr (import timings left out)."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(SLOW_WAIT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.process.stdin is not None:
                self.process.stdin.close()
        for reader in self._readers:
            reader.join(SLOW_WAIT)
        return code, "".join(line for line in self.lines if not line.startswith("import time:"))


@pytest.mark.parametrize(
    "args",
    [
        ["tools"],
        ["init"],
        ["recommend"],
        ["tools", "show", "slow__x"],
        ["approvals", "list"],
        ["audit"],
        ["policy", "check", "nothing.json"],
        ["keys", "create", "laptop"],
        ["serve"],
        ["stdio"],
        ["--help"],
    ],
)
def test_ctrl_c_while_the_command_loads_is_quiet(tmp_path: Path, args: list[str]) -> None:
    _config(tmp_path)
    command = _Command(tmp_path, *args)
    # argparse is the first thing main() imports: the signal lands while the subcommands load, or later.
    wait_for(lambda: command.imported("argparse") or command.process.poll() is not None, "main() running", SLOW_WAIT)
    code, stderr = command.interrupt()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert code in (EXIT_INTERRUPTED, -signal.SIGINT, 0, 2), (code, stderr)  # done before the signal: fine too


@pytest.mark.parametrize("args", [["tools"], ["init"], ["serve"], ["stdio"]])
def test_ctrl_c_while_waiting_for_a_slow_server_is_quiet(tmp_path: Path, args: list[str]) -> None:
    _config(tmp_path)
    command = _Command(tmp_path, *args)
    wait_for(lambda: child_pids(command.process.pid), "the slow upstream started", SLOW_WAIT)
    code, stderr = command.interrupt()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert code in (EXIT_INTERRUPTED, -signal.SIGINT), (code, stderr)


def test_ctrl_c_while_following_the_audit_trail_is_quiet(tmp_path: Path) -> None:
    _config(tmp_path)
    command = _Command(tmp_path, "audit", "--follow")
    wait_for(lambda: command.imported("portcullis.audit.sqlite"), "the audit trail opened", SLOW_WAIT)
    code, stderr = command.interrupt()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert code == EXIT_INTERRUPTED, (code, stderr)


@pytest.mark.parametrize("args", [["approvals", "list"], ["audit", "--json"]])
def test_a_closed_output_pipe_is_quiet(tmp_path: Path, args: list[str]) -> None:
    _config(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # whoever reads the output has gone (as 'portcullis audit | head' once head is done)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "portcullis", *args],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=SLOW_WAIT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
