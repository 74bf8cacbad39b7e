"""A bank built the way most MCP servers are: the ``mcp`` SDK's ``MCPServer`` with typed tool functions.

Run it as ``python tests/servers/coercing_server.py`` (stdio). Its arguments are validated by
pydantic in lax mode, as the common SDKs do, so ``"5000"``, ``"5e3"``, ``" 5000 "`` and ``true`` all
arrive in ``transfer`` as numbers: exactly what a policy's numeric rule must not let through as text.

- ``transfer(amount: float, to: str)`` adds ``amount`` to the money moved;
- ``moved()`` says how much has been moved since the server started;
- ``broken_schema(a)`` is listed with an ``inputSchema`` that is not valid JSON Schema (a gateway must
  neither crash on it nor block its calls).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

app: MCPServer[Any] = MCPServer("bank")
_moved = [0.0]


@app.tool()
def transfer(amount: float, to: str) -> str:
    """Move money to an account."""
    _moved[0] += amount
    return f"moved {amount:g} to {to}"


@app.tool()
def moved() -> str:
    """How much money has been moved."""
    return f"{_moved[0]:g}"


@app.tool()
def broken_schema(a: str = "") -> str:
    """A tool whose listed schema is broken (see below)."""
    return f"ran with {a!r}"


_listed = app._tool_manager.get_tool("broken_schema")  # the fixture breaks its own listing
if _listed is not None:
    _listed.parameters = {"type": "object", "properties": {"a": {"type": "bogus"}, "b": {"pattern": "(?<=x"}}}


if __name__ == "__main__":
    app.run()
