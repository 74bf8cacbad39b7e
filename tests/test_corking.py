"""``CorkedTransport``: a response's headers and body leave in one write, and nothing is held back."""

from __future__ import annotations

import asyncio
from typing import Any

from portcullis.corking import CorkedTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"


class _Recorder(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.writes.append(b"".join(bytes(d) for d in list_of_data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_headers_and_body_in_one_write() -> None:
    raw = _Recorder()
    corked = CorkedTransport(raw, asyncio.get_running_loop())
    corked.write(HEAD)
    corked.write(b"{}")
    assert raw.writes == [HEAD + b"{}"]
    await asyncio.sleep(0)  # the scheduled flush finds nothing held
    assert raw.writes == [HEAD + b"{}"]


async def test_headers_without_a_body_yet_go_out_on_the_next_turn() -> None:
    raw = _Recorder()
    corked = CorkedTransport(raw, asyncio.get_running_loop())
    corked.write(HEAD.replace(b"content-length: 2", b"content-type: text/event-stream"))
    assert raw.writes == []
    await asyncio.sleep(0)
    assert len(raw.writes) == 1 and raw.writes[0].startswith(b"HTTP/1.1 200 OK")
    corked.write(b"data: x\n\n")
    assert raw.writes[1] == b"data: x\n\n"


async def test_close_sends_what_is_held_first_and_large_bodies_keep_their_order() -> None:
    raw = _Recorder()
    corked = CorkedTransport(raw, asyncio.get_running_loop())
    corked.write(HEAD)
    corked.close()
    assert raw.writes == [HEAD] and raw.closed and corked.is_closing()
    raw2 = _Recorder()
    corked2 = CorkedTransport(raw2, asyncio.get_running_loop())
    big = b"x" * 200_000
    corked2.write(HEAD)
    corked2.write(big)
    assert raw2.writes == [HEAD + big]
