"""Plain-text tables for the terminal: a header row, aligned columns, as wide as the terminal allows.

When the rows are wider than the terminal, the widest columns give way first and their cells are
cut with ``…``; a pipe or a file gets the terminal's usual width (``COLUMNS``, else 80).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

__all__ = ["render_table"]

_GAP = "  "
_MIN_COLUMN = 6


def _fit(widths: list[int], budget: int) -> list[int]:
    """Shrink the widest columns until the row fits ``budget`` characters (never below a few)."""
    widths = list(widths)
    while sum(widths) + len(_GAP) * (len(widths) - 1) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= _MIN_COLUMN:
            break
        widths[widest] -= 1
    return widths


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None) -> str:
    """``headers`` and ``rows`` as aligned text lines (no trailing newline), at most ``width`` wide."""
    budget = width if width is not None else shutil.get_terminal_size((80, 24)).columns
    columns = len(headers)
    natural = [max([len(headers[i]), *(len(row[i]) for row in rows)]) for i in range(columns)]
    widths = _fit(natural, budget)
    lines = []
    for row in (headers, *rows):
        cells = [_cell(str(row[i]), widths[i]) for i in range(columns)]
        padded = [cells[i].ljust(widths[i]) if i < columns - 1 else cells[i] for i in range(columns)]
        lines.append(_GAP.join(padded).rstrip())
    return "\n".join(lines)
