"""The demo upstream that ships in the package (``python -m portcullis.demo``; ``portcullis serve --demo``).

``build_server()`` returns the low-level ``mcp`` Server; ``serve.main(server)`` runs any such server
over stdio, ``--http PORT`` (Streamable HTTP) or ``--sse PORT`` (legacy HTTP+SSE).
"""

from __future__ import annotations

from portcullis.demo.server import TOOLS, build_server
from portcullis.demo.state import DemoState

__all__ = ["TOOLS", "DemoState", "build_server"]
