"""The upstream side: sessions to upstream MCP servers, over the transports in ``transports/``.

``session`` (one long-lived session per server: requests and ``_meta``), ``negotiate`` (its era),
``supervisor`` (restarts), ``relay`` (what the server sends on its own), ``pool`` (every session of a
gateway) and ``discover`` (start the upstreams once to read their tools). It imports ``protocol``,
never the downstream side.
"""
