"""Grants in the config file: add one (its key minted, its name, servers and policy file checked) or remove
one — the one implementation ``portcullis keys create|revoke`` and the admin API (``POST``/``DELETE
/api/v1/grants``, the console's grants page) share, so both refuse the same things with the same words.

The file is edited in place (``config.edit``: a YAML file keeps its comments), loaded again and put back
when it does not load (``config.rewrite``); only the key's SHA-256 is written. The key is returned once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portcullis.config.edit import append_item, remove_item
from portcullis.config.load import DEFAULT_CONFIG_PATH
from portcullis.config.model import GatewayConfig
from portcullis.config.rewrite import open_config, save_config
from portcullis.config.security import name_problem
from portcullis.errors import ConfigError, PortcullisError
from portcullis.policy.compile import load_policy
from portcullis.policy.grants import key_digest, new_key

__all__ = ["NewGrant", "add_grant", "grant_servers", "policy_problem", "remove_grant"]


@dataclass(frozen=True)
class NewGrant:
    """A grant just written: its config entry, its key (shown this once), the config before and after, and
    what its owner should know (a policy file that is missing or invalid but forced, no policy at all)."""

    entry: dict[str, Any]
    key: str
    before: GatewayConfig
    after: GatewayConfig
    warnings: tuple[str, ...] = ()


def grant_servers(value: object) -> list[str] | None:
    """The servers of a new grant as a person gives them: a list, or ``"a, b"``; None (all) when empty."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(s, str) for s in items):
        raise PortcullisError("'servers' must be a list of server names, or one string 'a,b'")
    return [s.strip() for s in items if s.strip()] or None


def _option(path: Path) -> str:
    return "" if path == DEFAULT_CONFIG_PATH else f" -c {path}"


def policy_problem(config: GatewayConfig, path: Path, policy: str) -> tuple[str, str] | None:
    """Why a grant's policy file would not serve (missing, or invalid) and what to do; None when it is fine."""
    found = config.resolve(policy)
    if not found.exists():
        option = _option(path)
        return f"policy file {policy} does not exist", (
            f"write it first: 'portcullis recommend{option} -o {found}' writes a default-deny policy for "
            f"the configured servers ('portcullis init{option}' writes {config.policy or 'policy.json'}), or "
            "name an existing policy file"
        )
    try:
        load_policy(found)
    except ConfigError as exc:
        return f"policy file {policy} is not valid:\n{exc}", (
            f"fix it ('portcullis policy check {found}' lists the problems)"
        )
    return None


def _checked(path: Path, config: GatewayConfig, name: str, servers: list[str] | None) -> None:
    if (why := name_problem(name, "grant name")) is not None:
        raise PortcullisError(why, "pick another name")
    if any(g.name == name for g in config.grants):
        raise PortcullisError(
            f"grant '{name}' already exists in {path}",
            f"pick another name, or 'portcullis keys rotate {name}' for a new key",
        )
    unknown = [s for s in servers or [] if s != "*" and s not in config.servers]
    if unknown:
        raise PortcullisError(
            f"unknown server(s) {', '.join(unknown)}", f"known: {', '.join(config.servers) or 'none'}"
        )


def add_grant(path: Path, name: str, servers: list[str] | None, policy: str | None, *, force: bool = False) -> NewGrant:
    """Add a grant to the config at ``path`` and mint its key. A policy file that is missing or invalid is
    refused (``serve`` would not start with it) unless ``force``. Raises ``PortcullisError``; a refusal
    leaves the file as it was."""
    before, original = open_config(path)
    _checked(path, before, name, servers)
    warnings: list[str] = []
    problem = policy_problem(before, path, policy) if policy is not None else None
    if problem is not None:
        if not force:
            raise PortcullisError(
                f"{problem[0]}\nno grant added: 'portcullis serve' would not start with it",
                f'{problem[1]}, then try again; or force it (--force; "force": true in the admin API) to add the '
                "grant now (a running gateway denies its calls until the file is there and valid)",
            )
        warnings.append(
            f"{problem[0]}; a running gateway denies this key's calls until it is there and valid, "
            "and 'portcullis serve' will not start without it"
        )
    if policy is None:
        warnings.append(
            f"grant '{name}' has no policy, so every call with its key is denied: pass "
            f"--policy {before.policy or 'FILE'}, or add 'policy: FILE' under it in {path} later"
        )
    key = new_key()
    entry: dict[str, Any] = {"name": name, "key_sha256": key_digest(key)}
    if servers is not None:
        entry["servers"] = servers
    if policy is not None:
        entry["policy"] = policy
    after = save_config(
        path,
        original,
        append_item(original, path, "grants", entry),
        lambda cfg: any(g.name == name and g.key_sha256 == entry["key_sha256"] for g in cfg.grants),
    )
    return NewGrant(entry, key, before, after, tuple(warnings))


def remove_grant(path: Path, name: str) -> tuple[GatewayConfig, GatewayConfig]:
    """Remove a grant from the config at ``path``: its key is refused from then on. Returns the config
    before and after. Raises ``LookupError`` when there is no such grant."""
    before, original = open_config(path)
    index = next((i for i, g in enumerate(before.grants) if g.name == name), None)
    if index is None:
        known = ", ".join(g.name for g in before.grants) or "none"
        raise LookupError(f"no grant named '{name}' in {path} (known grants: {known})")
    after = save_config(
        path,
        original,
        remove_item(original, path, "grants", index),
        lambda cfg: all(g.name != name for g in cfg.grants),
    )
    return before, after
