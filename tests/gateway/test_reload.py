"""``reload.config_changes``: what a re-read config changes, file against file."""

from __future__ import annotations

from portcullis.config.load import config_from_text
from portcullis.reload import config_changes


def test_servers_are_compared_by_name_and_other_settings_need_a_restart() -> None:
    before = config_from_text("servers: {a: {command: x}, b: {command: y}, c: {command: z}}\nlisten: 127.0.0.1:1\n")
    after = config_from_text(
        "servers: {a: {command: x}, b: {command: y, timeout: 5}, d: {command: w}}\n"
        "listen: 127.0.0.1:2\npolicy: p.json\n"
    )
    changes = config_changes(before, after)
    assert (changes.added, changes.removed, changes.changed) == (("d",), ("c",), ("b",))
    assert changes.access is True  # the top-level policy
    assert changes.need_restart == ("listen",)
    assert changes.describe_servers() == "started d; stopped c; restarted b"


def test_the_same_file_changes_nothing() -> None:
    text = "servers: {a: {command: x}}\nstore: memory\n"
    changes = config_changes(config_from_text(text), config_from_text(text + "# a comment\n"))
    assert not changes.servers and not changes.access and changes.need_restart == ()
