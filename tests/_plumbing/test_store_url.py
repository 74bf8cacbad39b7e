"""Store URLs: Redis schemes and ``?prefix=``, passwords hidden, the file of ``sqlite:///PATH``."""

from __future__ import annotations

from pathlib import Path

from portcullis._plumbing.store_url import is_redis_url, safe_url, split_prefix, url_path


def test_redis_schemes() -> None:
    assert is_redis_url("redis://127.0.0.1:6379/0")
    assert is_redis_url("rediss://cache.example.com")
    assert is_redis_url("unix:///run/redis.sock")
    assert not is_redis_url("sqlite:///x.db")
    assert not is_redis_url("memory")


def test_split_prefix_takes_only_the_prefix_out() -> None:
    assert split_prefix("redis://h:6379/0?prefix=team-a:") == ("redis://h:6379/0", "team-a:")
    assert split_prefix("redis://h:6379/0") == ("redis://h:6379/0", None)
    url, prefix = split_prefix("redis://h/1?socket_timeout=2&prefix=p:&health_check_interval=5")
    assert prefix == "p:"
    assert url == "redis://h/1?socket_timeout=2&health_check_interval=5"


def test_safe_url_hides_only_the_password() -> None:
    assert safe_url("redis://u:secret@h:6379/0") == "redis://u:***@h:6379/0"
    assert safe_url("postgresql://app:pw@db/test?sslmode=require") == "postgresql://app:***@db/test?sslmode=require"
    assert safe_url("redis://h:6379") == "redis://h:6379"
    assert safe_url("redis://user@h") == "redis://user@h"


def test_url_path_is_relative_to_the_base_unless_absolute(tmp_path: Path) -> None:
    assert url_path("sqlite:///state.db", "sqlite", tmp_path) == tmp_path / "state.db"
    assert url_path("sqlite:////var/lib/p.db", "sqlite", tmp_path) == Path("/var/lib/p.db")
    assert url_path("jsonl:///logs/a.jsonl", "jsonl", None) == Path("logs/a.jsonl")
    assert url_path("sqlite:///~/p.db", "sqlite", tmp_path) == Path.home() / "p.db"
