"""Issue 9.6 (audit part): an audit trail that cannot be opened is named, with what to do — no traceback.

``portcullis audit`` and ``portcullis serve`` are run as a user would, against a PostgreSQL URL where
nothing listens (its password must not be shown) and a SQLite file whose folder cannot exist.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.harness import FIXTURE_SERVER, PYTHON, free_port, stdio_server, write_config

PASSWORD = "pw-that-must-not-show"


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "portcullis", *args], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


def _postgres_nowhere() -> tuple[str, str]:
    """A PostgreSQL URL with a password where nothing listens, and how messages should show it."""
    port = free_port()
    return (
        f"postgresql://auditor:{PASSWORD}@127.0.0.1:{port}/trail",
        f"postgresql://auditor:***@127.0.0.1:{port}/trail",
    )


def test_audit_names_an_unreachable_postgres_and_what_to_do(tmp_path: Path) -> None:
    url, shown = _postgres_nowhere()
    (tmp_path / "portcullis.yaml").write_text(json.dumps({"audit": url}))
    done = _run(tmp_path, "audit")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"portcullis: the audit trail {shown} cannot be opened: "), done.stderr
    assert "start PostgreSQL, or fix 'audit:' in the config" in done.stderr
    assert PASSWORD not in done.stderr and "Traceback" not in done.stderr


def test_audit_names_a_sqlite_file_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the trail's folder should be")
    (tmp_path / "portcullis.yaml").write_text(json.dumps({"audit": "sqlite:///not-a-folder/audit.db"}))
    done = _run(tmp_path, "audit", "--json")
    assert done.returncode == 2 and done.stdout == ""
    expected = f"portcullis: the audit trail sqlite:///{tmp_path / 'not-a-folder' / 'audit.db'} cannot be opened: "
    assert done.stderr.startswith(expected), done.stderr
    assert "check that its folder exists and is writable" in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_to_start_naming_the_unreachable_audit_trail(tmp_path: Path) -> None:
    url, shown = _postgres_nowhere()
    config = write_config(tmp_path / "portcullis.json", {"fx": stdio_server(FIXTURE_SERVER)}, audit=url)
    done = _run(tmp_path, "serve", "-c", str(config), "--listen", f"127.0.0.1:{free_port()}")
    assert done.returncode == 2, done.stderr
    assert f"portcullis: the audit trail {shown} cannot be opened: " in done.stderr
    assert "start PostgreSQL, or fix 'audit:' in the config" in done.stderr
    assert PASSWORD not in done.stderr and "Traceback" not in done.stderr
