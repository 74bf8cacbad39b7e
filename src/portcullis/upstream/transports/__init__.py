"""The raw JSON-RPC channels to upstream servers: stdio, Streamable HTTP and the legacy HTTP+SSE.

``base.Transport`` is the contract every transport meets; ``make_transport`` picks the one a
server's config asks for. The HTTP transports share ``rawhttp`` (the fast path for plain-HTTP
POSTs), ``sseparse`` (the SSE event parser) and ``reasons`` (failures in a person's words).
"""

from __future__ import annotations

from portcullis.config.model import ServerConfig
from portcullis.upstream.transports.base import Transport

__all__ = ["make_transport"]


def make_transport(config: ServerConfig) -> Transport:
    """The transport a server's config asks for."""
    if config.transport == "stdio":
        from portcullis.upstream.transports.stdio import StdioTransport

        assert config.command is not None
        return StdioTransport(config.name, config.command, config.args, config.env, config.cwd)
    if config.transport == "sse":
        from portcullis.upstream.transports.sse import SseTransport

        assert config.url is not None
        return SseTransport(config.name, config.url, config.headers)
    from portcullis.upstream.transports.http import StreamableHttpTransport

    assert config.url is not None
    return StreamableHttpTransport(config.name, config.url, config.headers)
