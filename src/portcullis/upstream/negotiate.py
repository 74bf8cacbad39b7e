"""Finding an upstream server's era and opening a session in it: ``server/discover``, else ``initialize``.

The era is probed once: a ``server/discover`` request, falling back
to ``initialize`` on any error or timeout, unless the config fixes it (``protocol: modern|legacy``).
The probe waits as long as the server may take to start (``startup_wait``), and a probe that times
out restarts the server before ``initialize`` is tried: a modern server that is merely slow would
refuse ``initialize`` on the connection where it has already read ``server/discover``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from portcullis.errors import UpstreamError, UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.constants import LATEST_LEGACY, MODERN_VERSION
from portcullis.protocol.messages import Message, notification
from portcullis.protocol.meta import CLIENT_CAPABILITIES, CLIENT_INFO, MODERN_META
from portcullis.upstream.transports.base import Transport

__all__ = ["Era", "Negotiated", "negotiate"]

log = logging.getLogger("portcullis.upstream")

Era = Literal["legacy", "modern"]
MakeRequest = Callable[[str, dict[str, Any] | None], Message]
Reopen = Callable[[Transport], Awaitable[Transport]]
Agreed = Callable[["Negotiated"], None]


@dataclass(frozen=True)
class Negotiated:
    """The session a server agreed to."""

    era: Era
    protocol_version: str
    capabilities: dict[str, Any]
    server_info: dict[str, Any]
    instructions: str | None


async def negotiate(
    name: str, era: Era | None, wait: float, transport: Transport, make: MakeRequest, reopen: Reopen, agreed: Agreed
) -> Transport:
    """Open the session in the server's era (probing it once unless ``era`` is fixed).

    ``make`` builds a request with a fresh id; ``reopen`` closes a connection and opens a fresh one
    (a fresh process, for stdio), for a server that cannot be asked again where the probe failed;
    ``agreed`` learns the session as soon as the server has agreed to it (before a legacy server is
    told ``notifications/initialized``). Returns the connection the session is open on.
    """
    if era != "legacy":
        transport, found = await _probe_modern(name, era == "modern", wait, transport, make, reopen)
        if found is not None:
            agreed(found)
            transport.set_protocol_version(MODERN_VERSION)
            return transport
    await _initialize_legacy(name, wait, transport, make, agreed)
    return transport


async def _probe_modern(
    name: str, required: bool, wait: float, transport: Transport, make: MakeRequest, reopen: Reopen
) -> tuple[Transport, Negotiated | None]:
    """Ask ``server/discover``; the connection to go on with, and the session if the server is modern."""
    resp: Message | None = None
    try:
        resp = await transport.request(make("server/discover", {"_meta": dict(MODERN_META)}), wait)
    except UpstreamTimeout:
        if required:
            raise UpstreamUnavailable(
                name,
                f"it did not answer server/discover within {wait:g}s (raise its 'startup_timeout' if it starts slowly)",
            ) from None
        # Slow to start, or a legacy server that ignores unknown methods: the other era is tried on a
        # fresh process, since a modern server refuses initialize after it has read server/discover.
        log.info("upstream %s did not answer server/discover within %gs: restarting it to try initialize", name, wait)
        transport = await reopen(transport)
    except UpstreamUnavailable:
        if required:
            raise
        # Some legacy servers die on an unknown first message: start them afresh.
        transport = await reopen(transport)
    except UpstreamError:
        if required:
            raise
    result = resp.get("result") if isinstance(resp, dict) else None
    if isinstance(result, dict) and MODERN_VERSION in (result.get("supportedVersions") or []):
        found = Negotiated(
            "modern",
            MODERN_VERSION,
            result.get("capabilities") or {},
            result.get("serverInfo") or {},
            result.get("instructions"),
        )
        return transport, found
    if required:
        raise UpstreamProtocolError(
            name,
            f"upstream server '{name}' does not speak {MODERN_VERSION}",
            "set 'protocol: auto' or 'legacy' for this server",
        )
    return transport, None


async def _initialize_legacy(name: str, wait: float, transport: Transport, make: MakeRequest, agreed: Agreed) -> None:
    """The legacy handshake: ``initialize``, then ``notifications/initialized``."""
    params = {"protocolVersion": LATEST_LEGACY, "capabilities": CLIENT_CAPABILITIES, "clientInfo": CLIENT_INFO}
    try:
        resp = await transport.request(make("initialize", params), wait)
    except UpstreamTimeout:
        raise UpstreamUnavailable(
            name,
            f"it did not answer initialize within {wait:g}s (raise its 'startup_timeout' if it starts slowly)",
        ) from None
    if "error" in resp or not isinstance(resp.get("result"), dict):
        err = resp.get("error") or {}
        raise UpstreamProtocolError(
            name, f"upstream server '{name}' refused initialize: {err.get('message', 'no result')}"
        )
    result = resp["result"]
    version = str(result.get("protocolVersion") or LATEST_LEGACY)
    agreed(
        Negotiated(
            "legacy",
            version,
            result.get("capabilities") or {},
            result.get("serverInfo") or {},
            result.get("instructions"),
        )
    )
    transport.set_protocol_version(version)
    await transport.notify(notification("notifications/initialized"))
