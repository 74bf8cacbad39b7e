"""Start an MCP server late, as a first ``npx -y`` or ``uvx`` run does while it downloads packages.

``python slow_start.py SECONDS [--once FILE] -- COMMAND [ARGS…]`` waits ``SECONDS`` without reading
its input, then replaces itself with ``COMMAND`` (same pid, same pipes). With ``--once FILE`` only the
first start waits (the file records it): later starts are quick, like a warm package cache.

Only stdlib.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("seconds", type=float)
    parser.add_argument("--once", type=Path, help="wait only when this file does not exist yet (then create it)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] else args.command
    if args.once is None or not args.once.exists():
        if args.once is not None:
            args.once.write_text("started once\n")
        time.sleep(args.seconds)  # the "download": nothing on stdout, input left unread
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
