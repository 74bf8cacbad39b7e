"""Start an MCP server late, as a first ``npx -y`` or ``uvx`` run does while it downloads packages.

``python slow_start.py SECONDS [--once FILE] -- COMMAND [ARGS…]`` waits ``SECONDS`` without reading
its input, then replaces itself with ``COMMAND`` (same pid, same pipes). With ``--once FILE`` only the
first start waits (the file records it): later starts are quick, like a warm package cache.

Only stdlib.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> None:
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: slow_start.py SECONDS [--once FILE] -- COMMAND [ARGS…]")
    split = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("seconds", type=float)
    parser.add_argument("--once", type=Path, help="wait only when this file does not exist yet (then create it)")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    if args.once is None or not args.once.exists():
        if args.once is not None:
            args.once.write_text("started once\n")
        time.sleep(args.seconds)  # the "download": nothing on stdout, input left unread
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
