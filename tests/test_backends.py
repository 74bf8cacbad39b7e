"""Redis and PostgreSQL are optional: without their packages the gateway still imports and runs on SQLite,
and a config that asks for one says which ``pip install`` brings it.

The packages are installed in the test environment, so each test runs a fresh interpreter in which
``sys.modules["redis"] = None`` (and the same for ``asyncpg``) makes every ``import redis`` raise
``ImportError``, exactly as on a machine without the package; uninstalling it would break the other
tests running on this machine, and patching the import inside this process could not undo modules
already imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.harness import write_config

SHIM = "import sys\nsys.modules['redis'] = None\nsys.modules['asyncpg'] = None\n"


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SHIM + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_gateway_imports_without_redis_or_asyncpg() -> None:
    proc = _run(
        """
        import portcullis.cli, portcullis.cli.serve, portcullis.assemble, portcullis.runtime, portcullis.limits
        import portcullis.approvals, portcullis.audit, portcullis.catalog.pin_stores
        from portcullis.limits import open_store
        print(type(open_store("memory")).__name__)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "MemoryCounterStore"


def test_a_redis_store_without_redis_names_the_pip_command(tmp_path: Path) -> None:
    config = write_config(tmp_path / "portcullis.yaml", {}, store="redis://127.0.0.1:6379/0")
    proc = _run(
        """
        import sys
        from pathlib import Path
        from portcullis.config import load_config
        from portcullis.errors import ConfigError
        try:
            load_config(Path(sys.argv[1]))
        except ConfigError as exc:
            print(exc)
        """,
        str(config),
    )
    assert proc.returncode == 0, proc.stderr
    assert "$.store" in proc.stdout
    assert "pip install 'mcp-portcullis[redis]'" in proc.stdout


def test_a_postgres_audit_without_asyncpg_names_the_pip_command(tmp_path: Path) -> None:
    config = write_config(tmp_path / "portcullis.yaml", {}, audit="postgresql://app:secret@127.0.0.1/test")
    proc = _run("from portcullis.cli import main\nraise SystemExit(main(['serve', '-c', sys.argv[1]]))", str(config))
    assert proc.returncode == 2, proc.stderr
    assert "$.audit" in proc.stderr
    assert "pip install 'mcp-portcullis[postgres]'" in proc.stderr
    assert "secret" not in proc.stderr  # the password stays hidden


def test_opening_a_store_directly_says_the_same() -> None:
    proc = _run(
        """
        from portcullis.errors import ConfigError
        from portcullis.limits import open_store
        from portcullis.approvals.store import open_store as open_approvals
        for opener in (open_store, open_approvals):
            try:
                opener("redis://127.0.0.1:6379/0")
            except ConfigError as exc:
                print(exc.problems[0].message)
        """
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    assert all("pip install 'mcp-portcullis[redis]'" in line for line in lines)


def test_with_the_packages_installed_the_config_loads(tmp_path: Path) -> None:
    config = write_config(tmp_path / "portcullis.yaml", {}, store="redis://127.0.0.1:6379/0")
    from portcullis.config import load_config

    assert load_config(config).store == "redis://127.0.0.1:6379/0"
    assert json.loads(config.read_text())["store"] == "redis://127.0.0.1:6379/0"
