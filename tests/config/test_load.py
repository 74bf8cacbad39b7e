"""Config loading: every error names the file, the line and the key; ``${VAR}`` expansion; the mcpServers shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portcullis.config import load_config
from portcullis.config.load import config_from_text
from portcullis.errors import ConfigError, Problem


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.problems


def _write(tmp_path: Path, text: str, name: str = "portcullis.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_valid_yaml_config_loads_every_server_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PC_TEST_TOKEN", "s3cret")
    path = _write(
        tmp_path,
        """\
listen: 127.0.0.1:9999
max_body_bytes: 2048
allowed_origins: [http://localhost:3000]
servers:
  files:
    command: npx
    args: [-y, server-files, "${HOME}"]
    env: {LOG: debug}
    timeout: 5
    protocol: legacy
  remote:
    url: https://mcp.example.com/mcp
    headers: {Authorization: "Bearer ${PC_TEST_TOKEN}"}
  old:
    url: http://127.0.0.1:9/sse
    transport: sse
""",
    )
    config = load_config(path)
    assert config.listen == "127.0.0.1:9999"
    assert config.host_port == ("127.0.0.1", 9999)
    assert config.max_body_bytes == 2048
    assert config.allowed_origins == ("http://localhost:3000",)
    files, remote, old = config.servers["files"], config.servers["remote"], config.servers["old"]
    assert (files.transport, files.command, files.timeout, files.protocol) == ("stdio", "npx", 5.0, "legacy")
    assert files.args[2] not in ("", "${HOME}")  # expanded from the environment
    assert files.env == {"LOG": "debug"}
    assert (remote.transport, remote.headers) == ("streamable-http", {"Authorization": "Bearer s3cret"})
    assert old.transport == "sse"
    assert config.path == path


def test_unknown_keys_are_reported_with_file_line_and_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
listen: 127.0.0.1:8765
servers:
  time:
    command: mcp-server-time
    argz: [--local-timezone, UTC]
colour: blue
""",
    )
    problems = _problems(path)
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"$.servers.time.argz", "$.colour"}
    argz = by_path["$.servers.time.argz"]
    assert (argz.file, argz.line) == (str(path), 5)
    assert "unknown key 'argz'" in argz.message and "args" in argz.message  # lists the known keys
    assert by_path["$.colour"].line == 6
    assert f"{path}:5: $.servers.time.argz: unknown key 'argz'" in str(argz)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
listen: nowhere
prefix_tools: maybe
servers:
  a:
    command: x
    timeout: -1
    protocol: ancient
  b:
    url: http://h/mcp
    transport: carrier-pigeon
""",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    paths = {p.path for p in info.value.problems}
    assert {
        "$.listen",
        "$.prefix_tools",
        "$.servers.a.timeout",
        "$.servers.a.protocol",
        "$.servers.b.transport",
    } <= paths
    text = str(info.value)
    assert text.startswith(f"{len(info.value.problems)} problem(s) found")
    assert "carrier-pigeon" in text


def test_missing_environment_variable_names_the_variable_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PC_TEST_ABSENT", raising=False)
    path = _write(
        tmp_path,
        """\
servers:
  remote:
    url: https://example.com/mcp
    headers:
      Authorization: "Bearer ${PC_TEST_ABSENT}"
""",
    )
    (problem,) = _problems(path)
    assert problem.path == "$.servers.remote.headers.Authorization"
    assert problem.line == 5
    assert "${PC_TEST_ABSENT} is not set" in problem.message


def test_env_default_syntax_is_used_when_the_variable_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PC_TEST_ABSENT", raising=False)
    monkeypatch.setenv("PC_TEST_PORT", "7000")
    config = config_from_text("""\
servers:
  s:
    url: "http://127.0.0.1:${PC_TEST_PORT}/${PC_TEST_ABSENT:-mcp}"
""")
    assert config.servers["s"].url == "http://127.0.0.1:7000/mcp"


def test_an_unquoted_value_ending_in_a_colon_says_to_quote_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "listen: 127.0.0.1:8765\nstore: redis://127.0.0.1:6379/0?prefix=team-a:\n")
    (problem,) = _problems(path)
    assert problem.line == 2
    assert "mapping values are not allowed here" in problem.message
    assert "a value that holds ': ' or ends with ':' must be quoted" in problem.message
    quoted = _write(tmp_path, 'store: "redis://127.0.0.1:6379/0?prefix=team-a:"\n')
    assert load_config(quoted).store == "redis://127.0.0.1:6379/0?prefix=team-a:"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("${PC_TEST_SET", "${PC_TEST_SET"),  # never closed
        ("${PC_TEST_SET:default}", "${PC_TEST_SET:default}"),  # ':' without '-'
        ("/bin/${1X}/run", "${1X}"),
        ("${PC_TEST_SET}/${file:}", "${file:}"),  # one good reference does not hide a bad one
    ],
)
def test_a_malformed_reference_is_an_error_not_a_literal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, shown: str
) -> None:
    monkeypatch.setenv("PC_TEST_SET", "x")
    path = _write(tmp_path, f'servers:\n  s:\n    command: "{written}"\n')
    (problem,) = _problems(path)
    assert (problem.path, problem.line) == ("$.servers.s.command", 3)
    assert f"'{shown}' is not a reference this config understands" in problem.message
    assert "${VAR:-default}" in problem.message


def test_a_dollar_without_a_brace_stays_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_from_text('servers: {s: {command: x, args: ["$HOME", "a$b", "$"]}}')
    assert config.servers["s"].args == ("$HOME", "a$b", "$")


@pytest.mark.parametrize("listen", ["8765", "localhost", "127.0.0.1:", ":8765", "http://127.0.0.1:8765", 8765])
def test_bad_listen_is_refused_with_an_example(tmp_path: Path, listen: object) -> None:
    path = _write(tmp_path, json.dumps({"listen": listen, "servers": {"s": {"command": "x"}}}), "p.json")
    (problem,) = _problems(path)
    assert problem.path == "$.listen"
    assert "HOST:PORT" in problem.message and "127.0.0.1:8765" in problem.message


@pytest.mark.parametrize("listen", ["127.0.0.1:1", "0.0.0.0:8765", "[::1]:8765", "gateway.local:80"])
def test_good_listen_values_are_accepted(listen: str) -> None:
    assert config_from_text(json.dumps({"listen": listen})).listen == listen


def test_claude_desktop_mcpservers_shape_is_accepted_as_is(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        json.dumps(
            {
                "mcpServers": {
                    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
                    "remote": {"type": "http", "url": "https://example.com/mcp", "headers": {"X-Key": "k"}},
                    "legacy": {"type": "sse", "url": "https://example.com/sse"},
                    "off": {"command": "nothing", "disabled": True},
                }
            },
            indent=2,
        ),
        "claude_desktop_config.json",
    )
    config = load_config(path)
    assert list(config.servers) == ["filesystem", "remote", "legacy"]
    assert config.servers["filesystem"].args == ("-y", "@modelcontextprotocol/server-filesystem", "/tmp")
    assert config.servers["remote"].transport == "streamable-http"
    assert config.servers["legacy"].transport == "sse"


def test_mcpservers_shape_errors_are_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
{
  "mcpServers": {
    "a": ["not", "a", "map"],
    "b": {"args": ["no command"]},
    "c": {"command": "x", "url": "http://both"},
    "d": {"command": "x", "args": "not-a-list"},
    "bad.name": {"command": "x"}
  }
}
""",
        "mcp.json",
    )
    problems = {p.path: p for p in _problems(path)}
    assert problems["$.mcpServers.a"].line == 3 and "must be a map" in problems["$.mcpServers.a"].message
    assert "exactly one of 'command'" in problems["$.mcpServers.b"].message
    assert problems["$.mcpServers.b"].line == 4
    assert "exactly one of 'command'" in problems["$.mcpServers.c"].message
    assert problems["$.mcpServers.d.args"].line == 6
    bad_name = problems["$.mcpServers['bad.name']"]
    assert "prefixes tool names" in bad_name.message and bad_name.line == 7


def test_a_server_defined_in_both_maps_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, json.dumps({"servers": {"t": {"command": "x"}}, "mcpServers": {"t": {"command": "y"}}}), "c.json"
    )
    (problem,) = _problems(path)
    assert problem.path == "$.mcpServers.t" and "defined twice" in problem.message


def test_double_underscore_in_a_server_name_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_text('{"servers": {"a__b": {"command": "x"}}}')
    assert "no '__'" in info.value.problems[0].message


def test_a_server_name_ending_in_an_underscore_is_refused() -> None:
    """``a_``'s tool ``x`` would be ``a___x``, which routes to server ``a``'s tool ``_x``."""
    with pytest.raises(ConfigError) as info:
        config_from_text('{"servers": {"a": {"command": "x"}, "a_": {"command": "y"}}}')
    (problem,) = info.value.problems
    assert problem.path == "$.servers.a_" and "not ending in '_'" in problem.message


def test_prefix_tools_false_needs_a_single_server() -> None:
    assert config_from_text('{"prefix_tools": false, "servers": {"a": {"command": "x"}}}').prefix_tools is False
    with pytest.raises(ConfigError) as info:
        config_from_text('{"prefix_tools": false, "servers": {"a": {"command": "x"}, "b": {"command": "y"}}}')
    assert info.value.problems[0].path == "$.prefix_tools"


@pytest.mark.parametrize(("value", "ok"), [(1024, True), (1023, False), ("big", False), (True, False)])
def test_max_body_bytes_must_be_a_sensible_integer(value: object, ok: bool) -> None:
    text = json.dumps({"max_body_bytes": value})
    if ok:
        assert config_from_text(text).max_body_bytes == value
    else:
        with pytest.raises(ConfigError) as info:
            config_from_text(text)
        assert info.value.problems[0].path == "$.max_body_bytes"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "servers:\n  a:\n    command: [unclosed\n    args: []\n")
    (problem,) = _problems(path)
    assert problem.file == str(path) and problem.line is not None and problem.line >= 3
    assert "not valid YAML/JSON" in problem.message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path / "nope.yaml")
    assert problem.message.startswith("file not found: write one with 'portcullis import FILE'")


def test_timeout_and_protocol_defaults() -> None:
    server = config_from_text('{"servers": {"a": {"command": "x"}}}').servers["a"]
    assert (server.timeout, server.protocol, server.transport, server.trusted) == (60.0, "auto", "stdio", False)


# -- strictness (issue 9.9) and durations (issue 8.18) ------------------------------------------------


def test_a_problem_points_at_the_line_of_its_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
servers:
  git:
    command: uvx
    timeout:
      much: 1
    env:
      A: [1]
""",
    )
    found = {p.path: p.line for p in _problems(path)}
    assert found == {"$.servers.git.timeout": 4, "$.servers.git.env.A": 7}, found


@pytest.mark.parametrize(
    "url", ["ftp://example.com/mcp", "example.com/mcp", "http://", "file:///etc/passwd", "ws://127.0.0.1:9/mcp"]
)
def test_a_server_url_must_be_http_or_https(tmp_path: Path, url: str) -> None:
    path = _write(tmp_path, f"servers:\n  web:\n    description: remote\n    url: {json.dumps(url)}\n")
    (problem,) = _problems(path)
    assert (problem.path, problem.line) == ("$.servers.web.url", 4)
    assert problem.message == (f"must be an http:// or https:// URL such as https://mcp.example.com/mcp, got {url!r}")


def test_http_and_https_urls_are_accepted() -> None:
    config = config_from_text('servers: {a: {url: "http://127.0.0.1:9/mcp"}, b: {url: "HTTPS://x.example/mcp"}}')
    assert [s.url for s in config.servers.values()] == ["http://127.0.0.1:9/mcp", "HTTPS://x.example/mcp"]


def test_a_json_config_is_strict_json(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "servers": {\n    "a": {"command": "x"},\n  }\n}\n', "portcullis.json")
    (problem,) = _problems(path)
    assert problem.line == 3
    assert problem.message.startswith("not valid JSON: a trailing comma before '}' (line 3, column 26)")
    commented = _write(tmp_path, '{"servers": {} // none yet\n}\n', "other.json")
    assert _problems(commented)[0].message.startswith("not valid JSON: expecting ',' delimiter (line 1, column 16)")
    # The same text as YAML keeps YAML's leniency.
    lenient = _write(tmp_path, '{\n  "servers": {\n    "a": {"command": "x"},\n  }\n}\n', "portcullis.yaml")
    assert list(load_config(lenient).servers) == ["a"]


def test_json_numbers_are_numbers_in_a_json_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"servers": {"a": {"command": "x", "timeout": 1e2}}}', "portcullis.json")
    assert load_config(path).servers["a"].timeout == 100.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30.0),
        ("30", 30.0),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("minute", 60.0),
        ("1.5 hours", 5400.0),
    ],
)
def test_a_server_timeout_takes_the_duration_grammar(value: object, seconds: float) -> None:
    config = config_from_text(json.dumps({"servers": {"a": {"command": "x", "timeout": value}}}))
    assert config.servers["a"].timeout == seconds


@pytest.mark.parametrize("value", ["soon", 0, "0s", -1, True, "5 fortnights"])
def test_a_bad_server_timeout_says_the_grammar(tmp_path: Path, value: object) -> None:
    path = _write(tmp_path, json.dumps({"servers": {"a": {"command": "x", "timeout": value}}}), "c.json")
    (problem,) = _problems(path)
    assert problem.path == "$.servers.a.timeout"
    assert "30s, 5m, 1h, 1d, second, minute, hour, day" in problem.message, problem.message


def test_startup_timeout_reads_the_duration_grammar_and_defaults_to_the_timeout() -> None:
    config = config_from_text(
        "servers:\n  slow: {command: npx, startup_timeout: 2m}\n  quick: {command: x, timeout: 30s}\n"
    )
    assert (config.servers["slow"].startup_wait, config.servers["quick"].startup_wait) == (120.0, 30.0)
    with pytest.raises(ConfigError, match=r"\$\.servers\.slow\.startup_timeout"):
        config_from_text("servers:\n  slow: {command: npx, startup_timeout: soon}\n")


@pytest.mark.parametrize(
    ("text", "line"),
    [("=", 1), ("servers:\n  a: =\n", 2), ("x: [1, !!python/object y]\n", 1), ("?", 1)],
)
def test_a_value_yaml_parses_but_cannot_build_is_a_config_error_with_its_line(text: str, line: int) -> None:
    # Found by the fuzzer (tests/reliability/test_fuzz.py): these raised yaml's own errors, not ConfigError.
    with pytest.raises(ConfigError) as caught:
        config_from_text(text, "fuzz.yaml")
    (problem,) = caught.value.problems
    assert problem.message.startswith("not valid YAML/JSON"), problem.message
    assert problem.line == line


def test_a_folder_named_as_a_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (problem,) = _problems(tmp_path / "secrets")
    assert problem.message == "cannot read file: it is a folder: name the file itself"
    path = _write(tmp_path, "servers: {s: {url: 'https://x/mcp', headers: {X-Key: '${file:secrets}'}}}\n")
    (problem,) = _problems(path)
    assert "${file:secrets} cannot be read: it is a folder: name the file itself" in problem.message
    gone = _write(tmp_path, "servers: {s: {url: 'https://x/mcp', headers: {X-Key: '${file:nope}'}}}\n")
    assert "${file:nope} cannot be read: No such file or directory: check the path" in _problems(gone)[0].message
