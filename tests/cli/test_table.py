"""The shared table renderer of the CLI: header row, alignment, fitting a width, safe cells."""

from __future__ import annotations

import pytest

from portcullis.cli.table import age, column_widths, render_rows, render_table

HEADERS = ("ID", "STATUS", "TOOL", "NOTE")
ROWS = [
    ("ap_3f9c2a1b7d04", "pending", "github__create_pull_request", "x" * 100),
    ("ap_000000000001", "approved", None, "short"),
]


def test_without_a_width_nothing_is_cut() -> None:
    lines = render_table(HEADERS, ROWS, None).splitlines()
    assert lines[0].split() == list(HEADERS)
    assert lines[1].endswith("x" * 100) and lines[2].split()[2] == "-"
    assert lines[1].index("pending") == lines[0].index("STATUS") == lines[2].index("approved")


def test_a_width_is_met_by_the_free_text_first_then_the_widest_and_never_by_kept_ids() -> None:
    for width in (120, 80, 60, 50):
        lines = render_table(HEADERS, ROWS, width, keep={"ID"}, cut_first=("NOTE",)).splitlines()
        assert all(len(line) <= width for line in lines), (width, lines)
        assert lines[1].startswith("ap_3f9c2a1b7d04  ") and lines[2].startswith("ap_000000000001  ")
    at_80 = render_table(HEADERS, ROWS, 80, keep={"ID"}, cut_first=("NOTE",)).splitlines()
    assert "github__create_pull_request" in at_80[1] and at_80[1].endswith("…")  # the note gave way
    at_50 = render_table(HEADERS, ROWS, 50, keep={"ID"}, cut_first=("NOTE",)).splitlines()
    assert at_50[0].split() == ["ID", "STATUS", "TOOL"]  # too narrow to say anything: the note is left out
    assert at_50[1].endswith("github__create_pull_re…")


def test_free_text_columns_are_left_out_in_the_order_given() -> None:
    headers = ("TOOL", "RULE", "REASON")
    rows = [("github__merge", "$.tools.github__*", "needs a person " * 5)]
    assert render_table(headers, rows, 35, cut_first=("REASON", "RULE")).splitlines()[0].split() == ["TOOL", "RULE"]
    assert render_table(headers, rows, 35, cut_first=("RULE", "REASON")).splitlines()[0].split() == ["TOOL", "REASON"]


def test_rows_that_come_one_by_one_keep_the_columns() -> None:
    widths = column_widths(HEADERS, ROWS, 70, keep={"ID"}, cut_first=("NOTE",))
    header, first = render_rows([HEADERS, ROWS[0]], widths)
    later = render_rows([("ap_99", "denied", "github__merge_pull_request_now_please", "n")], widths)[0]
    assert later.index("denied") == header.index("STATUS") and len(later) <= 70 and len(first) <= 70


def test_cells_cannot_act_on_the_terminal() -> None:
    table = render_table(("A", "B"), [("\x1b[2Jred\x07", "one\nFAKE\tROW\u202e")], None)
    assert table.splitlines()[1] == "\\x1b[2Jred\\x07  one\\nFAKE\\tROW\\u202e"


def test_wide_characters_count_twice() -> None:
    lines = render_table(("NAME", "N"), [("日本語", 1), ("abc", 2)], None).splitlines()
    assert lines[1] == "日本語  1" and lines[2] == "abc     2"


def test_age() -> None:
    assert [age(s) for s in (0, 59, 60, 3599, 3600, 3725, 86400 * 2 + 3600 * 4)] == [
        "0s",
        "59s",
        "1m",
        "59m",
        "1h00m",
        "1h02m",
        "2d04h",
    ]


def test_without_free_text_the_widest_columns_give_way_and_none_is_left_out() -> None:
    lines = render_table(HEADERS, ROWS, 50).splitlines()
    assert lines[0].split() == list(HEADERS) and all(len(line) <= 50 for line in lines)


def test_the_default_width_is_the_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    assert max(len(line) for line in render_table(HEADERS, ROWS).splitlines()) <= 40
    monkeypatch.setenv("COLUMNS", "")  # and not a terminal (pytest captures stdout): nothing is cut
    assert "x" * 100 in render_table(HEADERS, ROWS)
