"""The catalogue the shell's catalogue commands work on: live (the configured servers, started and listed
once) or offline (a file of tool definitions), and how a server that could not be listed is reported."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from portcullis.catalog.catalog import Catalog, CatalogOptions
from portcullis.catalog.files import load_tool_file
from portcullis.catalog.pin_stores import open_pin_store
from portcullis.cli.common import config_from_args, print_error
from portcullis.config.model import GatewayConfig
from portcullis.upstream.discover import Discovery

__all__ = ["catalog_from_args", "file_catalog", "live_catalog", "name_failures", "owners"]

EXIT_OK, EXIT_FINDING = 0, 1


def owners(config: GatewayConfig, names: list[str]) -> list[str]:
    """The servers that can own these tool names: the one a ``<server>__`` prefix names, else all."""
    owners: list[str] = []
    for name in names:
        server, sep, _ = name.partition("__")
        if len(config.servers) == 1:
            return list(config.servers)
        if not sep or server not in config.servers:
            return list(config.servers)
        owners.append(server)
    return list(dict.fromkeys(owners)) or list(config.servers)


async def live_catalog(config: GatewayConfig, servers: list[str] | None = None) -> tuple[Catalog, Discovery]:
    """The catalogue of these servers (all by default) as they list their tools now, and what could not be listed."""
    from portcullis.cli.progress import showing_progress
    from portcullis.upstream.discover import discover_tools

    options = CatalogOptions.from_config(config.catalog, str(config.path))
    wanted = {name: config.servers[name] for name in (servers if servers is not None else config.servers)}
    async with showing_progress(len(wanted)) as progress:
        found = await discover_tools(wanted, progress)
    store = open_pin_store(config)
    try:
        pins = await store.load()
    finally:
        await store.close()
    catalog = Catalog(
        trusted=[n for n, s in config.servers.items() if s.trusted],
        options=CatalogOptions(options.require_approval_of_new_tools, False),
        pins=pins,
    )
    now = time.time()
    for server, server_tools in found.tools.items():
        catalog.update(server, server_tools, now)
    return catalog, found


def name_failures(found: Discovery, consequence: str = "") -> int:
    """Say which servers could not be listed (and what that means for this command); the exit status."""
    if found.complete:
        return EXIT_OK
    for server, reason in found.failures.items():
        print_error(f"could not list the tools of server '{server}': {reason}")
    names = ", ".join(f"'{s}'" for s in found.failures)
    them = "it" if len(found.failures) == 1 else "them"
    print_error(
        f"{consequence}fix {names} (the lines above say why) or remove {them} from the config, then run this again"
    )
    return EXIT_FINDING


def file_catalog(path: Path, server: str | None, trusted: bool = False) -> Catalog:
    catalog = Catalog(options=CatalogOptions(trust_on_first_use=False))
    catalog.update(server or path.stem, load_tool_file(path), time.time(), trusted=trusted)
    return catalog


def catalog_from_args(args: argparse.Namespace, names: list[str] | None = None) -> tuple[Catalog, bool, Discovery]:
    """The catalogue to show (offline with ``--from``; live, of the servers that can own ``names``, else all),
    whether tool names carry a server prefix, and which servers could not be listed."""
    source: Path | None = getattr(args, "source", None)
    if source is not None:
        return file_catalog(source, getattr(args, "server", None)), True, Discovery()
    config = config_from_args(args)
    servers = owners(config, names) if names else None
    catalog, found = asyncio.run(live_catalog(config, servers))
    return catalog, config.prefix_tools or len(config.servers) > 1, found
