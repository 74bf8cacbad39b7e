"""``edge.stdio``'s input: stdin's bytes cut into whole lines however the reads fall, a line over the limit
dropped (and answered once) without losing the lines after it, the last line kept at the end of input."""

from __future__ import annotations

import asyncio

import pytest

from portcullis.edge import stdio


async def _lines(reads: list[bytes]) -> tuple[list[bytes], int, bool]:
    got: list[bytes] = []
    too_large = 0

    def count() -> None:
        nonlocal too_large
        too_large += 1

    lines = stdio._Lines(asyncio.get_running_loop(), got.append, count)
    for data in reads:
        lines.data_received(data)
    ended_before_eof = lines.ended.done()
    lines.eof_received()
    await asyncio.wait_for(lines.ended, 5)
    return got, too_large, ended_before_eof


async def test_lines_are_whole_however_the_reads_cut_them() -> None:
    got, too_large, early = await _lines([b'{"a"', b":1}\n{", b'"b":2}\n{"c":3}\n', b"\n"])
    assert got == [b'{"a":1}\n', b'{"b":2}\n', b'{"c":3}\n', b"\n"]
    assert too_large == 0 and not early


async def test_the_last_line_without_a_newline_is_kept_at_the_end_of_input() -> None:
    got, _, _ = await _lines([b'{"a":1}\n{"b"', b":2}"])
    assert got == [b'{"a":1}\n', b'{"b":2}']


async def test_a_line_over_the_limit_is_dropped_once_and_the_next_lines_still_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stdio, "_LINE_LIMIT", 16)
    got, too_large, _ = await _lines([b'{"a":1}\n' + b"x" * 20, b"y" * 30, b'yy\n{"b":2}\n', b"z" * 40])
    assert got == [b'{"a":1}\n', b'{"b":2}\n']
    assert too_large == 2  # the long line, and the unfinished one at the end (never answered as a message)
