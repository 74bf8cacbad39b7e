"""A file's change stamp: moves on an edit in place and on a save-by-rename, ``None`` when missing."""

from __future__ import annotations

import os
from pathlib import Path

from portcullis._plumbing.polling import file_stamp


def test_missing_file_has_no_stamp(tmp_path: Path) -> None:
    assert file_stamp(tmp_path / "nothing.yaml") is None


def test_stamp_is_stable_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("a: 1\n")
    first = file_stamp(path)
    assert first is not None and first == file_stamp(str(path))
    path.write_text("a: 12\n")  # another size
    assert file_stamp(path) != first


def test_stamp_moves_on_an_edit_of_the_same_size(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("a: 1\n")
    first = file_stamp(path)
    assert first is not None
    path.write_text("a: 2\n")
    os.utime(path, ns=(first[0] + 1_000_000, first[0] + 1_000_000))
    assert file_stamp(path) != first


def test_stamp_moves_on_a_save_by_rename(tmp_path: Path) -> None:
    path, tmp = tmp_path / "policy.yaml", tmp_path / "policy.yaml.tmp"
    path.write_text("a: 1\n")
    first = file_stamp(path)
    assert first is not None
    tmp.write_text("a: 2\n")
    os.utime(tmp, ns=(first[0], first[0]))  # same time and size: only the inode tells
    os.replace(tmp, path)
    assert file_stamp(path) != first
