"""Where the gateway's time goes: shares of py-spy samples by part, from a collapsed-stack profile.

Record a running ``portcullis serve`` under load (``bench/gateway.py`` or any client), then::

    py-spy record --pid PID --duration 20 --rate 200 --format raw --output profile.txt --nonblocking
    python bench/profile_shares.py profile.txt [more.txt ...]

Each sample is given to the first part (in the order of ``PARTS``) whose pattern appears in its stack,
innermost frame first (the HTTP server layer is uvicorn's protocol and, since issue 16, ``edge.leanpost``'s
lean cycle for ``POST /mcp``), so a SQLite insert made from the call path counts as the audit, not the call path.
Leaves named apart: the event loop's own C code (where waiting for I/O shows too), the write of a response
to its socket, the write of a request to a stdio upstream's pipe and of an answer to the stdio front's
client (system calls; the pipes' writes happen in ``StreamWriter.write`` or, since the gateway writes its
pipes itself, ``_plumbing.coalesce.Coalescer.write``).
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
    ("call path (pipeline)", ("portcullis/gateway/calls.py", "portcullis/gateway/enforce.py", "portcullis/pipeline/")),
    (
        "HTTP server layer (uvicorn/httptools, edge/leanpost)",
        ("uvicorn/", "httptools", "portcullis/edge/leanpost.py", "portcullis/edge/readtimeout.py", "corking.py"),
    ),
    ("HTTP app (/mcp)", ("portcullis/gateway/http.py", "portcullis/edge/", "portcullis/gateway/app.py")),
    ("routing, sessions, metrics, the rest", ("portcullis/",)),
    ("asyncio scheduling", ("asyncio/", "uvloop")),
]


def part_of(stack: str) -> str:
    frames = stack.split(";")
    leaf = frames[-1]
    if leaf.startswith("Runner.run (asyncio/runners.py") or leaf.startswith("run (uvloop"):
        return "event loop in C (uvloop: epoll, callbacks; waiting included)"
    if leaf.startswith(("CorkedTransport.write", "RequestResponseCycle.send")):
        return "socket write of the response (syscall)"
    if leaf.startswith(("StreamWriter.write", "Coalescer.write")):  # the pipes' writes happen in these frames
        if "portcullis/upstream/" in stack:
            return "pipe write to the upstream (syscall)"
        if "portcullis/edge/stdio.py" in stack:
            return "pipe write of the answer to the stdio client (syscall)"
    for frame in reversed(frames):  # innermost first
        for name, patterns in PARTS:
            if any(p in frame for p in patterns):
                return name
    return "other (JSON, builtins, …)"


def shares(paths: list[Path]) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            samples = int(n)
            total += samples
            counts[part_of(stack)] += samples
    return counts, total


def main() -> None:
    counts, total = shares([Path(p) for p in sys.argv[1:]])
    print(f"{total} samples of the main and worker threads:")
    for name, n in counts.most_common():
        print(f"  {100 * n / total:5.1f} %  {name}")


if __name__ == "__main__":
    main()
