"""Load ``portcullis.yaml`` (or JSON) into a ``GatewayConfig``, reporting every problem with its location."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portcullis._plumbing.durations import GRAMMAR, parse_duration
from portcullis._plumbing.sections import is_whole_number, unknown_keys
from portcullis.backends import missing_backend
from portcullis.config.model import GatewayConfig, GrantConfig, ServerConfig, TransportKind
from portcullis.config.security import SECURITY_KEYS, name_problem, parse_security
from portcullis.config.source import Document, expand_env, join_path, parse_document, read_document
from portcullis.errors import ConfigError, Problem

__all__ = ["CREATE_CONFIG", "DEFAULT_CONFIG_PATH", "duration_setting", "load_config", "parse_config", "parse_servers"]

DEFAULT_CONFIG_PATH = Path("portcullis.yaml")

_TOP_KEYS = {
    "listen",
    "servers",
    "mcpServers",
    "prefix_tools",
    "grants",
    "policy",
    "shadow_policy",
    "store",
    "audit",
    "approvals",
    "audit_options",
    "catalog",
    "logging",
    "max_body_bytes",
    "allowed_origins",
    "admin_token_sha256",
    "list_page_size",
    "drain_timeout",
    "session_secret",
    "health",
    "oauth",
    "screening",
    *SECURITY_KEYS,
}
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
_GRANT_KEYS = {"name", "key_sha256", "servers", "policy", "match", "shadow_policy"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
LISTEN_RE = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):\d{1,5}$")


CREATE_CONFIG = (
    "write one with 'portcullis import FILE' (FILE: a Claude Desktop or Cursor config such as "
    "claude_desktop_config.json) or by hand, or pass -c FILE"
)


def load_config(path: Path) -> GatewayConfig:
    """Read and validate a config file; a missing one says how to create it."""
    if not path.exists():
        raise ConfigError([Problem(str(path), "$", f"file not found: {CREATE_CONFIG}")])
    return parse_config(read_document(path), path)


def _expect(
    doc: Document, path: str, value: Any, kind: type | tuple[type, ...], what: str, problems: list[Problem]
) -> bool:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        problems.append(doc.problem(path, f"must be {what}, got {value!r}"))
        return False
    if not isinstance(value, kind):
        problems.append(doc.problem(path, f"must be {what}, got {type(value).__name__} {value!r}"))
        return False
    return True


def duration_setting(
    doc: Document, path: str, value: Any, default: float, problems: list[Problem], *, allow_zero: bool = False
) -> float:
    """A setting in the duration grammar (``30s``, ``5m``, ``1h``, ``1d``, seconds); ``default`` when unset."""
    if value is None:
        return default
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        problems.append(doc.problem(path, str(exc)))
        return default
    if seconds == 0 and not allow_zero:
        problems.append(doc.problem(path, f"must be longer than 0 ({GRAMMAR})"))
        return default
    return seconds


def _unknown_keys(doc: Document, path: str, data: dict[str, Any], allowed: set[str], problems: list[Problem]) -> None:
    problems.extend(doc.problem(p, message) for p, message in unknown_keys(data, sorted(allowed), path))


def _str_map(doc: Document, path: str, value: Any, problems: list[Problem]) -> dict[str, str]:
    if value is None:
        return {}
    if not _expect(doc, path, value, dict, "a map of strings", problems):
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

    if not _NAME_RE.match(name) or "__" in name:
        problems.append(
            doc.problem(
                path,
                f"server name '{name}' must be letters, digits, '-' or '_' "
                "(no '__', at most 64 characters): it prefixes tool names",
            )
        )
    if not _expect(doc, path, raw, dict, "a map", problems):
        return None
    _unknown_keys(doc, path, raw, _SERVER_KEYS, problems)
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
        if not _expect(doc, join_path(path, "command"), command, str, "a string", problems):
            return None
        if declared not in (None, "stdio"):
            problems.append(doc.problem(join_path(path, "transport"), "a server with 'command' uses stdio"))
    else:
        if not _expect(doc, join_path(path, "url"), url, str, "a string", problems):
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
    if _expect(doc, join_path(path, "args"), args_raw, list, "a list of strings", problems):
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
    _expect(doc, join_path(path, "trusted"), trusted, bool, "true or false", problems)
    cwd = raw.get("cwd")
    if cwd is not None and _expect(doc, join_path(path, "cwd"), cwd, str, "a string", problems):
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
    if not _expect(doc, path, raw, dict, "a map of server name → server", problems):
        return servers
    for name, entry in raw.items():
        server = parse_server(doc, join_path(path, str(name)), str(name), entry, problems)
        if server is not None:
            servers[server.name] = server
    return servers


def _parse_grants(doc: Document, raw: Any, problems: list[Problem]) -> tuple[GrantConfig, ...]:
    if raw is None:
        return ()
    if not _expect(doc, "$.grants", raw, list, "a list of grants", problems):
        return ()
    grants: list[GrantConfig] = []
    seen: set[str] = set()
    for i, g in enumerate(raw):
        p = join_path("$.grants", i)
        if not _expect(doc, p, g, dict, "a map", problems):
            continue
        _unknown_keys(doc, p, g, _GRANT_KEYS, problems)
        name, digest = g.get("name"), g.get("key_sha256")
        if not isinstance(name, str) or not name:
            problems.append(doc.problem(join_path(p, "name"), "every grant needs a 'name'"))
            continue
        if (why := name_problem(name, "grant name")) is not None:
            problems.append(doc.problem(join_path(p, "name"), why))
        if name in seen:
            problems.append(doc.problem(join_path(p, "name"), f"grant '{name}' is defined twice"))
        seen.add(name)
        match = _grant_match(doc, join_path(p, "match"), g.get("match"), problems)
        if digest is None and match:
            digest = ""  # OAuth callers only
        elif not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            problems.append(
                doc.problem(
                    join_path(p, "key_sha256"),
                    f"must be the SHA-256 of the key in hex; mint one with 'portcullis keys create {name}' "
                    "(or give the grant a 'match:' on OAuth token claims)",
                )
            )
            continue
        servers = g.get("servers", ["*"])
        if isinstance(servers, str):
            servers = [servers]
        if not isinstance(servers, list) or not all(isinstance(s, str) for s in servers):
            problems.append(doc.problem(join_path(p, "servers"), "must be a list of server names (or '*')"))
            servers = []
        policy = g.get("policy")
        if policy is not None and not isinstance(policy, str):
            problems.append(doc.problem(join_path(p, "policy"), "must be the path of a policy file"))
            policy = None
        shadow = g.get("shadow_policy")
        if shadow is not None and not isinstance(shadow, str):
            problems.append(doc.problem(join_path(p, "shadow_policy"), "must be the path of a policy file"))
            shadow = None
        grants.append(GrantConfig(name, digest, tuple(servers), policy, match, shadow))
    return tuple(grants)


def _grant_match(
    doc: Document, path: str, raw: Any, problems: list[Problem]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A grant's ``match``: claim name → a value or a list of values (globs allowed)."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        problems.append(doc.problem(path, "must be a map of token claim → value(s), e.g. {groups: [sre]}"))
        return ()
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for claim, wanted in raw.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            problems.append(doc.problem(join_path(path, str(claim)), "must be a string or a list of strings"))
            continue
        pairs.append((str(claim), tuple(str(v) for v in values)))
    return tuple(pairs)


def parse_config(doc: Document, path: Path | None) -> GatewayConfig:
    """Validate a parsed document into a ``GatewayConfig``; raise ``ConfigError`` listing every problem."""
    problems: list[Problem] = []
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([doc.problem("$", "the config must be a map at the top level")])
    _unknown_keys(doc, "$", data, _TOP_KEYS, problems)
    servers = parse_servers(doc, "$.servers", data.get("servers"), problems)
    for name, s in parse_servers(doc, "$.mcpServers", data.get("mcpServers"), problems).items():
        if name in servers:
            problems.append(doc.problem(join_path("$.mcpServers", name), f"server '{name}' is defined twice"))
        servers[name] = s
    listen = data.get("listen", "127.0.0.1:8765")
    if not isinstance(listen, str) or not LISTEN_RE.match(listen):
        problems.append(doc.problem("$.listen", f"must be HOST:PORT such as 127.0.0.1:8765, got {listen!r}"))
        listen = "127.0.0.1:8765"
    prefix = data.get("prefix_tools", True)
    if not isinstance(prefix, bool):
        problems.append(doc.problem("$.prefix_tools", "must be true or false"))
        prefix = True
    if prefix is False and len(servers) > 1:
        problems.append(doc.problem("$.prefix_tools", "can be false only with a single server"))
    strings: dict[str, str | None] = {}
    for key, default in (
        ("policy", None),
        ("shadow_policy", None),
        ("store", "memory"),
        ("audit", "sqlite:///portcullis.db"),
        ("admin_token_sha256", None),
        ("session_secret", None),
    ):
        value = data.get(key, default)
        if value is not None and not isinstance(value, str):
            problems.append(doc.problem(join_path("$", key), "must be a string"))
            value = default
        strings[key] = expand_env(value, join_path("$", key), doc, problems) if value else value
    session_secret = strings["session_secret"]
    if session_secret is not None and len(session_secret) < 32:
        problems.append(
            doc.problem(
                "$.session_secret",
                "must be at least 32 characters (e.g. the output of 'openssl rand -hex 32'), the same on every replica",
            )
        )
    store = strings["store"] or "memory"
    if not (store == "memory" or store.startswith(("sqlite:///", "redis://", "rediss://"))):
        problems.append(doc.problem("$.store", "must be 'memory', 'sqlite:///PATH' or 'redis://HOST:PORT'"))
    audit = strings["audit"] or "sqlite:///portcullis.db"
    if not audit.startswith(("sqlite:///", "postgresql://", "postgres://", "jsonl:///")):
        problems.append(doc.problem("$.audit", "must be 'sqlite:///PATH', 'postgresql://…' or 'jsonl:///PATH'"))
    for key, url in (("$.store", store), ("$.audit", audit)):
        missing = missing_backend(url)
        if missing is not None:
            problems.append(doc.problem(key, missing))
    sections: dict[str, dict[str, Any]] = {}
    for key in ("approvals", "audit_options", "catalog", "logging", "health"):
        value = data.get(key) or {}
        if not isinstance(value, dict):
            problems.append(doc.problem(join_path("$", key), "must be a map"))
            value = {}
        sections[key] = value
    max_body = data.get("max_body_bytes", 4 * 1024 * 1024)
    if not is_whole_number(max_body, 1024):
        problems.append(doc.problem("$.max_body_bytes", "must be a whole number of bytes, at least 1024"))
        max_body = 4 * 1024 * 1024
    page_size = data.get("list_page_size", 1000)
    if not is_whole_number(page_size, 1):
        problems.append(
            doc.problem(
                "$.list_page_size",
                "must be a whole number of items per page, at least 1 (default 1000: every tool in one page)",
            )
        )
        page_size = 1000
    origins = data.get("allowed_origins", [])
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        problems.append(doc.problem("$.allowed_origins", "must be a list of origins such as http://localhost:3000"))
        origins = []
    grants = _parse_grants(doc, data.get("grants"), problems)
    security = parse_security(doc, data, problems)
    drain_timeout = duration_setting(doc, "$.drain_timeout", data.get("drain_timeout"), 30.0, problems, allow_zero=True)
    for g in grants:
        for server_name in g.servers:
            if server_name != "*" and server_name not in servers:
                problems.append(doc.problem("$.grants", f"grant '{g.name}' names unknown server '{server_name}'"))
    from portcullis.oauth.settings import parse_oauth  # these read config.source: imported here, not at the top
    from portcullis.screening.settings import parse_screening

    oauth = parse_oauth(doc, data.get("oauth"), problems)
    screening = parse_screening(doc, data.get("screening"), problems)
    if any(g.match for g in grants) and oauth is None and "oauth" not in data:
        problems.append(doc.problem("$.grants", "a grant has 'match:' but the config has no 'oauth:' section"))
    if problems:
        raise ConfigError(problems)
    return GatewayConfig(
        path=path,
        listen=listen,
        servers=servers,
        prefix_tools=prefix,
        grants=grants,
        require_keys=bool(grants) or isinstance(data.get("grants"), list),
        policy=strings["policy"],
        shadow_policy=strings["shadow_policy"],
        store=store,
        audit=audit,
        approvals=sections["approvals"],
        catalog=sections["catalog"],
        logging=sections["logging"],
        audit_options=sections["audit_options"],
        health=sections["health"],
        max_body_bytes=max_body,
        list_page_size=page_size,
        allowed_origins=tuple(origins),
        admin_token_sha256=strings["admin_token_sha256"],
        lines=doc.lines,
        admin_tokens=security.admin_tokens,
        metrics_token_sha256=security.metrics_token_sha256,
        sessions_per_key=security.sessions_per_key,
        read_timeout=security.read_timeout,
        drain_timeout=drain_timeout,
        oauth=oauth,
        screening=screening,
        session_secret=session_secret,
    )


def config_from_text(text: str, file: str = "<config>") -> GatewayConfig:
    """Parse config text (for tests and ``--demo``)."""
    return parse_config(parse_document(text, file), None)
