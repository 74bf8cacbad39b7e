"""A second gateway process for the shared-Redis test: holds one call until it is decided.

``python -m tests.approvals.holder CONFIG`` prints ``requested <id>`` once the request exists, then
``<state> <id>`` when the held call ends.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from portcullis.approvals import open_approvals
from portcullis.config import load_config

ARGS = {"amount": 900, "secret_note": "do-not-print-me"}


async def main(config_path: str) -> None:
    service = await open_approvals(load_config(Path(config_path)))
    try:
        now = service.clock()
        approval = await service.request("ci-bot", "s-a", "bank", "withdraw", ARGS, now)
        print(f"requested {approval.id}", flush=True)
        state = await service.gate("ci-bot", "s-a", "bank", "withdraw", ARGS, service.clock())
        print(f"{state.kind} {approval.id}", flush=True)
    finally:
        await service.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
