"""Load ``portcullis.yaml`` (or JSON) into a ``GatewayConfig``, reporting every problem with its location."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from portcullis._plumbing.sections import is_whole_number
from portcullis.backends import missing_backend
from portcullis.config.checks import duration_setting, expect, unknown
from portcullis.config.model import GatewayConfig, GrantConfig
from portcullis.config.security import SECURITY_KEYS, name_problem, parse_security
from portcullis.config.servers import parse_servers
from portcullis.config.source import Document, expand_env, join_path, parse_document, read_document
from portcullis.errors import ConfigError, Problem

__all__ = ["CREATE_CONFIG", "DEFAULT_CONFIG_PATH", "config_from_text", "load_config", "parse_config"]

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
_GRANT_KEYS = {"name", "key_sha256", "servers", "policy", "match", "shadow_policy"}
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


def _parse_grants(doc: Document, raw: Any, problems: list[Problem]) -> tuple[GrantConfig, ...]:
    if raw is None:
        return ()
    if not expect(doc, "$.grants", raw, list, "a list of grants", problems):
        return ()
    grants: list[GrantConfig] = []
    seen: set[str] = set()
    for i, g in enumerate(raw):
        p = join_path("$.grants", i)
        if not expect(doc, p, g, dict, "a map", problems):
            continue
        unknown(doc, p, g, _GRANT_KEYS, problems)
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
    unknown(doc, "$", data, _TOP_KEYS, problems)
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
    unset = any(p.path == "$.session_secret" for p in problems)  # said already: its variable is not set
    if session_secret is not None and len(session_secret) < 32 and not unset:
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
