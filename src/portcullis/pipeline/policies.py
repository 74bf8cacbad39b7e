"""Which compiled policy applies to which agent, kept current by watching the policy files.

Each grant names a policy file; with no grants at all (a loopback-only gateway) the top-level
``policy:`` applies to everyone. A grant without a policy, or a gateway without any policy, denies
every call and says how to fix it (fail closed). Every file is watched: a valid change takes effect
within a second; an invalid one is logged and the previous policy stays in force.

Once the tools are known (``known_tools``: the approved ones), a policy whose entries name no tool (a
misspelt server or tool) is logged at start and at each reload, as ``portcullis policy check`` says it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from portcullis.config.model import GatewayConfig, GrantConfig
from portcullis.errors import ConfigError, Problem
from portcullis.pipeline.guard import CallInfo
from portcullis.policy import CompiledPolicy, PolicyWatcher, deny_policy
from portcullis.policy.lintnames import unknown_name_warnings
from portcullis.policy.watch import OnChange, OnError

__all__ = ["PolicySet", "policy_gaps"]

log = logging.getLogger("portcullis.policy")

_NO_POLICY = deny_policy(
    "no policy is configured, so every call is denied: set 'policy: policy.json' in "
    "portcullis.yaml ('portcullis recommend -o policy.json' writes one)"
)
_GRANT_WITHOUT_POLICY = deny_policy(
    "this agent key's grant has no policy, so every call is denied: ask the operator to set a policy for the grant"
)


class PolicySet:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        # by the file's resolved path as text: a str keeps its hash (a Path computes it in Python each time)
        self._compiled: dict[str, CompiledPolicy] = {}
        self._watchers: list[PolicyWatcher] = []
        self._resolved: dict[str, str] = {}
        # The approved tools, (server, tool) -> definition, once the gateway has read them (None: not yet).
        self.known_tools: Callable[[], Mapping[tuple[str, str], Mapping[str, Any]]] | None = None

    def _paths(self) -> list[Path]:
        c = self.config
        names = [g.policy for g in c.grants if g.policy] if c.grants else [c.policy]
        names += [g.shadow_policy or c.shadow_policy for g in c.grants] if c.grants else [c.shadow_policy]
        return sorted({c.resolve(n) for n in names if n})

    def load(self) -> None:
        """Load every policy file; an invalid one stops start-up with every problem listed."""
        problems = []
        for path in self._paths():
            if str(path) in self._compiled:
                continue
            watcher = PolicyWatcher(path, self._on_change(path), self._on_error(path))
            try:
                self._compiled[str(path)] = watcher.load()
            except ConfigError as exc:
                problems.extend(exc.problems if path.exists() else [self._missing(path)])
                continue
            self._watchers.append(watcher)
        if problems:
            raise ConfigError(problems)

    def _missing(self, path: Path) -> Problem:
        """A policy file that does not exist, with who names it and how to write one."""
        config = self.config
        named = [f"grant '{g.name}'" for g in config.grants if g.policy and config.resolve(g.policy) == path]
        who = ", ".join(named) or f"'policy:' in {config.path}"
        return Problem(
            str(path),
            "$",
            f"file not found, yet {who} names it: write it with 'portcullis recommend "
            f"-o {path}', or name an existing policy file",
        )

    def _on_change(self, path: Path) -> OnChange:
        def changed(policy: CompiledPolicy) -> None:
            self._compiled[str(path)] = policy  # the watcher logs the reload
            self.warn_unknown_names(policy)

        return changed

    def warn_unknown_names(self, policy: CompiledPolicy | None = None) -> None:
        """Log the entries of ``policy`` (default: every policy in force) that name no tool of the config's
        servers or of the approved tools; nothing before the tools are known."""
        if self.known_tools is None:
            return
        tools = self.known_tools()
        for compiled in [policy] if policy is not None else list(self._compiled.values()):
            found = unknown_name_warnings(compiled.model, self.config.servers, tools)
            if found:
                lines = "\n".join(f"  - {w.location}: {w.message}" for w in found)
                count = "1 entry matches" if len(found) == 1 else f"{len(found)} entries match"
                log.warning(
                    "policy %s: %s no tool (portcullis policy check says so too):\n%s", compiled.file, count, lines
                )

    def _on_error(self, path: Path) -> OnError:
        def failed(exc: ConfigError) -> None:
            """Nothing to do: the watcher logs every problem, and ``_compiled`` keeps the previous policy."""

        return failed

    def start(self) -> None:
        for watcher in self._watchers:
            watcher.start()

    def set_grants(self, config: GatewayConfig) -> None:
        """Take the grants of a re-read config: new policy files are loaded and watched (others kept).

        A new file that is missing or invalid does not hold the grants back: its problems are logged,
        its grant's calls are denied, and it is watched like the others, so it applies once fixed.
        """
        self.config = config
        started = len(self._watchers)
        try:
            self.load()
        except ConfigError as exc:
            log.error("a grant's policy could not be loaded; its calls are denied until the file is fixed:\n%s", exc)
            for path in self._paths():
                if str(path) not in self._compiled:
                    self._compiled[str(path)] = deny_policy(
                        f"this agent key's policy file {path.name} is missing or invalid, so every call is denied: "
                        "ask the operator to fix it (the gateway's log lists the problems)"
                    )
                    self._watchers.append(PolicyWatcher(path, self._on_change(path), self._on_error(path)))
        finally:
            for watcher in self._watchers[started:]:
                watcher.start()

    async def stop(self) -> None:
        await asyncio.gather(*(w.stop() for w in self._watchers), return_exceptions=True)

    def _resolve(self, written: str) -> str:
        """The file a policy path in the config names, as the compiled policies' key (cached: this is on
        every call's path)."""
        path = self._resolved.get(written)
        if path is None:
            path = self._resolved[written] = str(self.config.resolve(written))
        return path

    def for_grant(self, grant: GrantConfig | None) -> CompiledPolicy:
        if grant is None:
            if self.config.grants:
                return _GRANT_WITHOUT_POLICY
            path = self.config.policy
            return self._compiled.get(self._resolve(path), _NO_POLICY) if path else _NO_POLICY
        if not grant.policy:
            return _GRANT_WITHOUT_POLICY
        return self._compiled.get(self._resolve(grant.policy), _GRANT_WITHOUT_POLICY)

    def for_call(self, call: CallInfo) -> CompiledPolicy:
        """``for_grant`` of the call's grant, looked up once per call (kept on the call)."""
        policy = call.policy
        if policy is None:
            policy = call.policy = self.for_grant(call.client.grant)
        return policy

    def shadow_for(self, grant: GrantConfig | None, live: CompiledPolicy) -> CompiledPolicy | None:
        """The policy evaluated beside ``live`` without enforcing: the grant's (or the config's)
        ``shadow_policy`` file, else the rules of ``live`` marked ``"mode": "shadow"``."""
        written = (grant.shadow_policy if grant is not None else None) or self.config.shadow_policy
        if written:
            return self._compiled.get(self._resolve(written), live.shadow)
        return live.shadow


def policy_gaps(config: GatewayConfig, *, keys_required: bool | None = None) -> list[str]:
    """Callers no policy applies to (their every call is denied, or they are refused), each with what to change.

    ``keys_required`` is whether the gateway takes only agent keys (default: the config's ``grants:``
    is there, even empty); a running gateway that has had grants passes True, since it stays keyed.
    """
    where = config.path or "the config"
    if keys_required is None:
        keys_required = config.require_keys
    if keys_required and not config.grants:
        also = " (the top-level 'policy:' applies only to a gateway without 'grants:')" if config.policy else ""
        return [
            f"'grants' is empty in {where}: agent keys are required and none is allowed, so every caller is "
            f"refused until a key is created with 'portcullis keys create NAME --policy FILE'{also}"
        ]
    if not config.grants:
        if config.policy is None:
            return [
                f"no policy applies to any caller, so every call is denied: set 'policy: policy.json' in {where} "
                "('portcullis init' or 'portcullis recommend -o policy.json' writes one)"
            ]
        return []
    gaps = []
    for grant in config.grants:
        if not grant.policy:
            also = " (the top-level 'policy:' applies only to a gateway without grants)" if config.policy else ""
            gaps.append(
                f"grant '{grant.name}' has no policy, so every call with its key is denied: add "
                f"'policy: FILE' under it in {where}{also}"
            )
    return gaps
