"""The ``approvals`` and ``audit_options`` sections: defaults, durations, every problem reported with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from portcullis.approvals.settings import parse_approval_settings, store_url
from portcullis.audit import parse_audit_options
from portcullis.config.load import config_from_text
from portcullis.errors import ConfigError


def test_defaults_and_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    d = parse_approval_settings(None, listen="0.0.0.0:9000")
    assert (d.timeout, d.ttl, d.deny_hold, d.progress_interval) == (45.0, 3600.0, 900.0, 5.0)
    assert d.public_url == "http://127.0.0.1:9000" and d.webhook is None
    monkeypatch.setenv("HOOK_SECRET", "0123456789abcdef0123")
    s = parse_approval_settings(
        {
            "timeout": "30s",
            "ttl": "2h",
            "deny_hold": 0,
            "public_url": "https://gw/",
            "webhook": {"url": "https://hooks/x", "secret": "${HOOK_SECRET}"},
        }
    )
    assert (s.timeout, s.ttl, s.deny_hold, s.public_url) == (30.0, 7200.0, 0.0, "https://gw")
    assert s.webhook is not None and s.webhook.secret == "0123456789abcdef0123"


def test_every_problem_is_reported() -> None:
    with pytest.raises(ConfigError) as err:
        parse_approval_settings(
            {
                "timeout": "2h",
                "ttl": "1h",
                "progress_interval": "soon",
                "colour": 1,
                "public_url": "ftp://x",
                "webhook": {"url": "https://h", "secret": "short"},
            }
        )
    paths = sorted(p.path for p in err.value.problems)
    assert paths == [
        "$.approvals.colour",
        "$.approvals.progress_interval",
        "$.approvals.public_url",
        "$.approvals.timeout",
        "$.approvals.webhook.secret",
    ]
    with pytest.raises(ConfigError) as err:
        parse_approval_settings({"webhook": {"url": "https://h"}})
    assert err.value.problems[0].path == "$.approvals.webhook.secret"


def test_store_url_follows_the_store_setting(tmp_path: Path) -> None:
    assert store_url(config_from_text("store: redis://127.0.0.1:6379/2\n")) == "redis://127.0.0.1:6379/2"
    assert store_url(config_from_text("store: memory\n")).endswith("/portcullis.db")
    assert store_url(config_from_text(f"store: sqlite:///{tmp_path}/s.db\n")) == f"sqlite:///{tmp_path}/s.db"


def test_audit_options() -> None:
    assert parse_audit_options(None).sync == "normal"
    o = parse_audit_options({"redact": ["*iban*"], "retention_days": 30, "sync": "full"})
    assert (o.redact, o.retention_days, o.sync) == (("*iban*",), 30.0, "full")
    with pytest.raises(ConfigError) as err:
        parse_audit_options({"redact": "iban", "retention_days": 0, "sync": "always", "table": "Bad-Name", "x": 1})
    assert len(err.value.problems) == 5


def test_max_pending_per_grant() -> None:
    assert parse_approval_settings(None).max_pending_per_grant == 10
    assert parse_approval_settings({"max_pending_per_grant": 3}).max_pending_per_grant == 3
    for bad in (0, -1, 2.5, "10", True):
        with pytest.raises(ConfigError) as err:
            parse_approval_settings({"max_pending_per_grant": bad})
        assert [p.path for p in err.value.problems] == ["$.approvals.max_pending_per_grant"]
