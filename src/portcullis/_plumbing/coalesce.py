"""One pipe write per turn of the event loop: the lines of calls sent together leave in one system call.

Under concurrency many messages go down the same pipe in the same turn of the event loop — requests to
a stdio upstream (the requests read from many client sockets in one poll run on together), answers to
the stdio front's client (the upstream's answers read in one poll) — and a ``write`` to a pipe is a
system call that also wakes the process at the other end. ``Coalescer.write`` sends the first line of a turn
at once, as before — a lone call waits for nothing — and holds the lines that follow it in the same
turn, which go out together in one write when the turn ends. A writer that knows it is alone (no other
call in flight to write in this turn) says so: its line is sent at once and no end of turn is scheduled
(one callback and one turn of the event loop fewer per call), unless lines are held already, which it
joins. Since that line marks no turn, the next line that is not alone is held for the end of its turn
(others of the turn may join it): a burst that begins with a lone line still leaves in two writes.
Order is kept: a held line always follows what was sent before it. A held line that cannot be written
is reported to ``lost`` (with the request ids given with the lines), so its requests fail as never sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["Coalescer"]


class Coalescer:
    """Writes lines through ``send`` (one call per batch); ``lost(ids, exc)`` hears of a batch that failed."""

    __slots__ = ("_alone", "_held", "_ids", "_loop", "_lost", "_send", "_turn")

    def __init__(
        self,
        send: Callable[[bytes], None],
        lost: Callable[[list[int], BaseException], None],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._send = send
        self._lost = lost
        self._loop = loop
        self._held: list[bytes] = []
        self._ids: list[int] = []
        self._turn = False  # a line went out this turn: the next ones are held until the turn ends
        self._alone = False  # a line went out alone since the last end of turn (perhaps in this one)

    def write(self, line: bytes, request_id: int | None = None, alone: bool = False) -> None:
        """Send ``line`` now if it is the first of this turn (errors raised to the caller), else hold it.

        ``alone``: the caller knows no other line is coming this turn; sent now unless lines are held,
        and the turn is not marked (nothing to gather after it)."""
        if not self._turn:
            if alone:
                self._send(line)
                self._alone = True
                return
            self._turn = True
            self._loop.call_soon(self.flush)
            if not self._alone:
                self._send(line)
                return
            # a line went out alone, perhaps this turn: this one waits for the others of the turn
        elif alone and not self._held:  # a line went out this turn, none waits: this one need not either
            self._send(line)
            return
        self._held.append(line)
        if request_id is not None:
            self._ids.append(request_id)

    def flush(self) -> None:
        """Send what is held in one write; the turn ends."""
        self._turn = False
        self._alone = False
        if not self._held:
            return
        held, ids = self._held, self._ids
        self._held, self._ids = [], []
        try:
            self._send(b"".join(held))
        except Exception as exc:  # the pipe is gone: these requests never reached the server
            self._lost(ids, exc)

    @property
    def holding(self) -> int:
        """Lines held for the end of this turn."""
        return len(self._held)
