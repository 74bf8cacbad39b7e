"""Run the demo upstream: over stdio by default, ``--http PORT`` or ``--sse PORT`` on 127.0.0.1."""

from __future__ import annotations

from portcullis.demo.serve import main
from portcullis.demo.server import build_server

raise SystemExit(main(build_server(), description="the Portcullis demo upstream (an MCP server)"))
