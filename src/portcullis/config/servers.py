"""The ``servers`` section (also Claude Desktop's and Cursor's ``mcpServers``): each upstream MCP server."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from portcullis.config.checks import duration_setting, expect, unknown
from portcullis.config.model import ServerConfig, TransportKind
from portcullis.config.source import Document, expand_env, join_path
from portcullis.errors import Problem

__all__ = ["SERVER_NAME_RE", "parse_server", "parse_servers"]

_SERVER_KEYS = {
    "command",
    "args",
    "env",
    "cwd",
    "url",
    "headers",
    "transport",
    "type",
    "timeout",
    "startup_timeout",
    "trusted",
    "protocol",
    "disabled",
    "description",
    "auth",
    "token_exchange",
}
SERVER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _str_map(doc: Document, path: str, value: Any, problems: list[Problem]) -> dict[str, str]:
    if value is None:
        return {}
    if not expect(doc, path, value, dict, "a map of strings", problems):
        return {}
    out: dict[str, str] = {}
    for k, v in value.items():
        p = join_path(path, str(k))
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            problems.append(doc.problem(p, f"must be a string, got {type(v).__name__}"))
            continue
        out[str(k)] = expand_env(str(v), p, doc, problems)
    return out


def parse_server(doc: Document, path: str, name: str, raw: Any, problems: list[Problem]) -> ServerConfig | None:
    """Validate one entry of ``servers`` (also the ``mcpServers`` shape of Claude Desktop / Cursor)."""
    from portcullis.upstream_auth.settings import parse_token_exchange, parse_upstream_auth  # no import cycle

    # Not ending in '_' either: 'a_' + '__' + 'x' reads back as server 'a', tool '_x' (the first '__' splits),
    # so another server 'a' would be sent the calls of a_'s tools, and decided by its rules.
    if not SERVER_NAME_RE.match(name) or "__" in name or name.endswith("_"):
        problems.append(
            doc.problem(
                path,
                f"server name '{name}' must be letters, digits, '-' or '_' "
                "(no '__', not ending in '_', at most 64 characters): it prefixes tool names",
            )
        )
    if not expect(doc, path, raw, dict, "a map", problems):
        return None
    unknown(doc, path, raw, _SERVER_KEYS, problems)
    if raw.get("disabled") is True:
        return None
    command, url = raw.get("command"), raw.get("url")
    if (command is None) == (url is None):
        problems.append(doc.problem(path, "needs exactly one of 'command' (stdio) or 'url' (HTTP)"))
        return None
    declared = raw.get("transport", raw.get("type"))
    transport: TransportKind
    if command is not None:
        transport = "stdio"
        if not expect(doc, join_path(path, "command"), command, str, "a string", problems):
            return None
        if declared not in (None, "stdio"):
            problems.append(doc.problem(join_path(path, "transport"), "a server with 'command' uses stdio"))
    else:
        if not expect(doc, join_path(path, "url"), url, str, "a string", problems):
            return None
        kinds = {
            None: "streamable-http",
            "http": "streamable-http",
            "streamable-http": "streamable-http",
            "streamableHttp": "streamable-http",
            "sse": "sse",
        }
        if declared not in kinds:
            problems.append(
                doc.problem(
                    join_path(path, "transport"), f"unknown transport {declared!r}: use 'streamable-http' or 'sse'"
                )
            )
            return None
        transport = kinds[declared]  # type: ignore[assignment]
    args_raw = raw.get("args", [])
    args: list[str] = []
    if expect(doc, join_path(path, "args"), args_raw, list, "a list of strings", problems):
        for i, a in enumerate(args_raw):
            p = join_path(join_path(path, "args"), i)
            if isinstance(a, bool) or not isinstance(a, (str, int, float)):
                problems.append(doc.problem(p, "must be a string"))
            else:
                args.append(expand_env(str(a), p, doc, problems))
    timeout = duration_setting(doc, join_path(path, "timeout"), raw.get("timeout"), 60.0, problems)
    startup = raw.get("startup_timeout")
    startup_timeout = (
        None
        if startup is None
        else duration_setting(doc, join_path(path, "startup_timeout"), startup, timeout, problems)
    )
    protocol = raw.get("protocol", "auto")
    if protocol not in ("auto", "legacy", "modern"):
        problems.append(doc.problem(join_path(path, "protocol"), "must be 'auto', 'legacy' or 'modern'"))
        protocol = "auto"
    trusted = raw.get("trusted", False)
    expect(doc, join_path(path, "trusted"), trusted, bool, "true or false", problems)
    cwd = raw.get("cwd")
    if cwd is not None and expect(doc, join_path(path, "cwd"), cwd, str, "a string", problems):
        cwd = expand_env(cwd, join_path(path, "cwd"), doc, problems)
    return ServerConfig(
        name=name,
        transport=transport,
        command=expand_env(command, join_path(path, "command"), doc, problems) if command else None,
        args=tuple(args),
        env=_str_map(doc, join_path(path, "env"), raw.get("env"), problems),
        cwd=cwd if isinstance(cwd, str) else None,
        url=_http_url(doc, join_path(path, "url"), url, problems) if url else None,
        headers=_str_map(doc, join_path(path, "headers"), raw.get("headers"), problems),
        auth=parse_upstream_auth(doc, join_path(path, "auth"), raw.get("auth"), problems),
        token_exchange=parse_token_exchange(
            doc, join_path(path, "token_exchange"), raw.get("token_exchange"), problems
        ),
        timeout=timeout,
        startup_timeout=startup_timeout,
        trusted=trusted is True,
        protocol=protocol,
    )


def _http_url(doc: Document, path: str, raw: str, problems: list[Problem]) -> str:
    """A server's ``url`` (``${VAR}`` expanded): it must be an ``http://`` or ``https://`` URL with a host."""
    url = expand_env(raw, path, doc, problems)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
        problems.append(
            doc.problem(path, f"must be an http:// or https:// URL such as https://mcp.example.com/mcp, got {url!r}")
        )
    return url


def parse_servers(doc: Document, path: str, raw: Any, problems: list[Problem]) -> dict[str, ServerConfig]:
    """Validate a map of servers."""
    servers: dict[str, ServerConfig] = {}
    if raw is None:
        return servers
    if not expect(doc, path, raw, dict, "a map of server name → server", problems):
        return servers
    for name, entry in raw.items():
        server = parse_server(doc, join_path(path, str(name)), str(name), entry, problems)
        if server is not None:
            servers[server.name] = server
    return servers
