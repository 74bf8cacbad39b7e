"""Tables on the terminal: a header row, aligned columns, and lines that fit the terminal's width.

``render_table(headers, rows, width)`` lays the rows out under the headers, two spaces between columns
(``column_widths`` and ``render_rows`` do it in two steps, for rows that arrive one by one).
With a ``width`` (by default ``terminal_width()``: ``COLUMNS``, else the terminal's), the widest columns
are narrowed until each line fits, a cut cell ending in ``…``; free-text columns named in ``cut_first``
give way before the others, and are left out when they would be too narrow to say anything. Columns
named in ``keep`` (ids a person copies) are never cut. Without a width (output to a pipe or a file,
no ``COLUMNS``), nothing is cut, so ``grep`` sees everything.

Cells show text as it would be read, never as it would act: control characters (an escape sequence in
an agent's argument, a newline in a reason) are written as ``\\x1b``, ``\\n``, … so a value cannot move the
cursor, recolour the terminal or forge a row.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections.abc import Collection, Sequence
from typing import Literal

__all__ = ["age", "column_widths", "render_rows", "render_table", "terminal_width"]

_GAP = "  "
_ELLIPSIS = "…"
_MIN_CUT = 6  # a column cut to fewer characters than this (or than its header) says nothing
_FREE_MIN = 12  # a free-text column narrower than this is left out instead


def terminal_width() -> int | None:
    """Columns to fit the output in: ``COLUMNS`` when set, else the terminal's; ``None`` when stdout is not
    a terminal (a pipe or a file, where nothing should be cut)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def _printable(text: str) -> str:
    out: list[str] = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char != " ":
            code = ord(char)
            out.append(
                {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
                or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
            )
        else:
            out.append(char)
    return "".join(out)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ending in ``…`` when shortened."""
    if _width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + _ELLIPSIS


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _narrow(widths: list[int], floors: list[int], group: list[int], excess: int) -> int:
    """Narrow the widest columns of ``group`` (in place), none below its floor; the excess left."""
    while excess > 0:
        cuttable = [i for i in group if widths[i] > floors[i]]
        if not cuttable:
            break
        widest = max(cuttable, key=widths.__getitem__)
        second = max((widths[i] for i in cuttable if i != widest), default=floors[widest])
        take = min(excess, widths[widest] - max(floors[widest], min(second, widths[widest] - 1)))
        widths[widest] -= take
        excess -= take
    return excess


def _fit(natural: list[int], floors: list[int], free: list[int], width: int) -> list[int]:
    """Column widths (0: left out) that fit ``width``. Free-text columns are narrowed first; when they
    cannot be narrowed enough, they are left out one by one (in the order of ``free``); only then are the
    other columns narrowed. A line still too wide (the floors are) overflows rather than lose an id."""
    shown = set(range(len(natural)))
    for drop in [*free, None]:
        widths = [w if i in shown else 0 for i, w in enumerate(natural)]
        excess = sum(widths) + len(_GAP) * (len(shown) - 1) - width
        excess = _narrow(widths, floors, [i for i in free if i in shown], excess)
        if excess <= 0 or drop is None:
            break
        shown.discard(drop)
    _narrow(widths, floors, [i for i in sorted(shown) if i not in free], excess)
    return widths


def column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    width: int | None,
    *,
    keep: Collection[str] = (),
    cut_first: Sequence[str] = (),
) -> list[int]:
    """How wide each column is drawn (0: left out): as wide as its widest cell, fitted to ``width`` when given."""
    cells = [_cells(row) for row in rows]
    natural = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    if width is None:
        return natural
    free = [list(headers).index(h) for h in cut_first]
    floors = [
        natural[i] if h in keep else min(natural[i], max(_width(h), _FREE_MIN if i in free else _MIN_CUT))
        for i, h in enumerate(headers)
    ]
    return _fit(natural, floors, free, width)


def render_rows(rows: Sequence[Sequence[object]], widths: Sequence[int], *, cut: bool = True) -> list[str]:
    """Rows as lines in columns of these widths (0: left out); with ``cut``, a longer cell is cut to its column."""
    lines = []
    for row in rows:
        shown = [(_cut(cell, widths[i]) if cut else cell, widths[i]) for i, cell in enumerate(_cells(row)) if widths[i]]
        padded = [_pad(cell, w) for cell, w in shown[:-1]] + [cell for cell, _ in shown[-1:]]
        lines.append(_GAP.join(padded).rstrip())
    return lines


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    width: int | Literal["terminal"] | None = "terminal",
    *,
    keep: Collection[str] = (),
    cut_first: Sequence[str] = (),
) -> str:
    """The rows under a header row, as lines (no trailing newline); ``None`` cells show as ``-``.

    ``width``: fit every line in that many columns (default: ``terminal_width()``; ``None``: never cut);
    ``keep``: headers of columns never cut (ids a person copies); ``cut_first``: headers of free-text
    columns, narrowed before the others and left out (in this order) when even that is not enough.
    """
    fit = terminal_width() if width == "terminal" else width
    widths = column_widths(headers, rows, fit, keep=keep, cut_first=cut_first)
    return "\n".join(render_rows([headers, *rows], widths))


def _cells(row: Sequence[object]) -> list[str]:
    return [_printable("-" if cell is None else str(cell)) for cell in row]


def age(seconds: float) -> str:
    """A duration as a person reads it in a table: ``45s``, ``12m``, ``3h05m``, ``2d04h``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"
