"""Forwarding a routed request to one upstream server, within the reach of the client's grant.

``RequestError`` is how routing answers a JSON-RPC error; ``reach_of`` says which servers a client's
grant reaches; ``Forwarder`` sends a request that routing has placed on a server and brings its result
back in the client's era.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portcullis.policy.grants import grant_reaches
from portcullis.protocol import INVALID_PARAMS, JsonRpcError
from portcullis.protocol.bridge import Bridge
from portcullis.protocol.eras import for_client
from portcullis.sessions.client import ClientSession, Sender
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Forwarder", "RequestError", "reach_of"]


RequestError = JsonRpcError  # a routed request that ends in a JSON-RPC error: the one JSON-RPC error type


def reach_of(client: ClientSession) -> Callable[[str], bool] | None:
    """Which servers a client's grant may reach (``None``: all of them)."""
    grant = client.grant
    if grant is None or "*" in grant.servers:
        return None
    return lambda server: grant_reaches(grant, server)


class Forwarder:
    """Sends one request to the server routing chose for it."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool

    async def forward(
        self, client: ClientSession, server: str, method: str, params: dict[str, Any], send: Sender | None
    ) -> dict[str, Any]:
        reach = reach_of(client)
        if reach is not None and not reach(server):
            raise RequestError(INVALID_PARAMS, f"Unknown {method.split('/')[0].rstrip('s')} on server '{server}'")
        session = self.pool.sessions[server]
        resp = await session.request(method, params, ctx=Bridge(client, send))
        if "error" in resp:
            err = resp["error"]
            raise RequestError(err["code"], err["message"], err.get("data"))
        return for_client(client.era == "modern", method, resp["result"])
