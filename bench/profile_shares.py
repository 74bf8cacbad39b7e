"""Where the gateway's time goes: shares of py-spy samples by part, from a collapsed-stack profile.

Record a running ``portcullis serve`` under load (``bench/gateway.py`` or any client), then::

    py-spy record --pid PID --duration 20 --rate 200 --format raw --output profile.txt --nonblocking
    python bench/profile_shares.py profile.txt [more.txt ...]

Each sample is given to the first part (in the order of ``PARTS``) whose pattern appears in its stack,
innermost frame first, so a SQLite insert made from the call path counts as the audit, not the call path.
Idle samples (the event loop waiting in ``select``/``epoll``) are counted apart and left out of the shares.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("audit (SQLite, records)", ("portcullis/audit/",)),
    ("policy and limits", ("portcullis/policy/", "portcullis/limits/")),
    ("pins and catalogue", ("portcullis/catalog/",)),
    ("tracing", ("portcullis/tracing.py",)),
    ("origin/host check", ("origin.py",)),
    ("upstream transport (stdio/HTTP)", ("portcullis/upstream/",)),
    ("call path (gateway/pipeline)", ("portcullis/gateway/calls.py", "portcullis/gateway/enforce.py", "/pipeline/")),
    ("HTTP app (/mcp)", ("portcullis/gateway/http.py", "portcullis/edge/", "portcullis/gateway/app.py")),
    ("gateway core, sessions, metrics", ("portcullis/",)),
    ("uvicorn/httptools (incl. socket writes)", ("uvicorn/", "httptools")),
    ("asyncio scheduling", ("asyncio/", "uvloop")),
]
_IDLE = ("select (selectors.py", "epoll", "_run_once", "run_forever")


def part_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):  # innermost first
        for name, patterns in PARTS:
            if any(p in frame for p in patterns):
                return name
    return "other (JSON, builtins, …)"


def shares(paths: list[Path]) -> tuple[Counter[str], int, int]:
    counts: Counter[str] = Counter()
    idle = total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            samples = int(n)
            total += samples
            leaf = stack.rsplit(";", 1)[-1]
            if any(marker in leaf for marker in _IDLE) and "portcullis" not in leaf:
                idle += samples
                continue
            counts[part_of(stack)] += samples
    return counts, idle, total


def main() -> None:
    counts, idle, total = shares([Path(p) for p in sys.argv[1:]])
    busy = sum(counts.values())
    print(f"{total} samples, {idle} idle; shares of the {busy} busy ones:")
    for name, n in counts.most_common():
        print(f"  {100 * n / busy:5.1f} %  {name}")


if __name__ == "__main__":
    main()
