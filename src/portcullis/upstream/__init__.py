"""Sessions to upstream MCP servers: raw JSON-RPC transports, era negotiation, restart, the pool."""
