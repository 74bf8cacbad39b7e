"""The typed shape of ``portcullis.yaml`` once loaded and validated (the README's configuration section)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from portcullis.config.source import line_of
from portcullis.errors import Problem

if TYPE_CHECKING:  # their modules read config.source, which imports this package: no import cycle at run time
    from portcullis.oauth.settings import OAuthSettings
    from portcullis.screening.settings import ScreeningSettings
    from portcullis.upstream_auth.settings import ClientCredentialsSettings, TokenExchangeSettings

__all__ = ["ROLES", "AdminTokenConfig", "GatewayConfig", "GrantConfig", "Role", "ServerConfig", "TransportKind"]

TransportKind = Literal["stdio", "streamable-http", "sse"]
Role = Literal["viewer", "approver", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "approver", "admin")  # each role may do what the ones before it may


@dataclass(frozen=True)
class ServerConfig:
    """One upstream MCP server."""

    name: str
    transport: TransportKind
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict, repr=False)  # may hold credentials: never in a repr
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # credentials for the upstream
    auth: ClientCredentialsSettings | None = None  # an OAuth client-credentials token for the upstream
    token_exchange: TokenExchangeSettings | None = None  # calls carry each OAuth caller's own token (RFC 8693)
    timeout: float = 60.0  # seconds per call
    startup_timeout: float | None = None  # seconds to wait for the server to come up; None: ``timeout``
    trusted: bool = False  # MCP annotations from this server may lower risk
    protocol: Literal["auto", "legacy", "modern"] = "auto"  # force an era; auto probes once

    @property
    def startup_wait(self) -> float:
        """How long the gateway waits for the server to answer its first request (a first ``npx -y`` or
        ``uvx`` run downloads packages first)."""
        return self.startup_timeout if self.startup_timeout is not None else self.timeout

    @property
    def target(self) -> str:
        """A short human description of where the server is."""
        if self.transport == "stdio":
            return " ".join([self.command or "", *self.args]).strip()
        return self.url or ""


@dataclass(frozen=True)
class GrantConfig:
    """An agent credential: who it is, which servers it may reach, which policy applies."""

    name: str
    key_sha256: str  # "" for a grant that takes OAuth callers only (``match``)
    servers: tuple[str, ...] = ("*",)
    policy: str | None = None  # path of a policy file; None denies every call
    # OAuth callers whose token claims match: (claim, accepted values) pairs, all of which must hold
    match: tuple[tuple[str, tuple[str, ...]], ...] = ()
    shadow_policy: str | None = None  # a draft evaluated beside ``policy`` on every call, enforcing nothing


@dataclass(frozen=True)
class AdminTokenConfig:
    """An operator token for the console and the REST API: who holds it, its SHA-256, what it may do."""

    name: str
    token_sha256: str
    role: Role = "admin"


@dataclass(frozen=True)
class GatewayConfig:
    """The whole gateway configuration."""

    path: Path | None
    listen: str = "127.0.0.1:8765"
    servers: dict[str, ServerConfig] = field(default_factory=dict)
    prefix_tools: bool = True
    grants: tuple[GrantConfig, ...] = ()
    # Agent keys are required: the config has grants, or says 'grants: []' (then every key is refused).
    # Only a config without 'grants' at all serves anonymous callers (on loopback).
    require_keys: bool = False
    policy: str | None = None
    shadow_policy: str | None = None  # for grants without their own: a draft evaluated beside, enforcing nothing
    store: str = "memory"
    audit: str = "sqlite:///portcullis.db"
    approvals: dict[str, Any] = field(default_factory=dict)
    catalog: dict[str, Any] = field(default_factory=dict)
    logging: dict[str, Any] = field(default_factory=dict)
    audit_options: dict[str, Any] = field(default_factory=dict)
    health: dict[str, Any] = field(default_factory=dict)  # /healthz (edge.health.HealthSettings)
    max_body_bytes: int = 4 * 1024 * 1024
    list_page_size: int = 1000  # items per page of the aggregated tools/prompts/resources lists
    allowed_origins: tuple[str, ...] = ()
    admin_token_sha256: str | None = None  # an unnamed admin token (role admin), as before admin_tokens
    admin_tokens: tuple[AdminTokenConfig, ...] = ()
    metrics_token_sha256: str | None = None  # when set, /metrics needs 'Authorization: Bearer <token>'
    sessions_per_key: int = 100  # legacy HTTP sessions one agent key may hold; the idlest goes first
    read_timeout: float = 30.0  # seconds for a request's headers and body to arrive
    drain_timeout: float = 30.0  # seconds a stopping gateway gives the calls in flight to finish
    oauth: OAuthSettings | None = None  # the gateway as an OAuth resource server (portcullis.oauth)
    screening: ScreeningSettings | None = None  # tool results screened (portcullis.screening)
    # seals legacy session ids so that every replica sharing it can serve them (None: one per process)
    session_secret: str | None = field(default=None, repr=False)
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)  # JSON path → line

    def locate(self, problem: Problem) -> Problem:
        """``problem`` with the line of its JSON path in this config file, when it has none yet."""
        if problem.line is not None or self.path is None or problem.file != str(self.path):
            return problem
        line = line_of(self.lines, problem.path)
        return problem if line is None else replace(problem, line=line)

    @property
    def base_dir(self) -> Path:
        """Relative paths in the config resolve against the config file's folder."""
        return self.path.parent if self.path is not None else Path.cwd()

    def resolve(self, relative: str) -> Path:
        """Resolve a path written in the config."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)
