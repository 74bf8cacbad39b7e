"""Portcullis: an MCP gateway that sees every tool, classifies its risk and enforces policy on every call.

The public API, for embedding the decision core or checking files from Python (the gateway itself
runs as ``portcullis serve``):

- ``load_config(path)`` → ``GatewayConfig``;
- ``load_policy(path)`` → ``CompiledPolicy``; ``CompiledPolicy.decide(ToolCall)`` → ``Decision`` is pure;
- ``classify_tool(tool)`` → ``Classification`` (the risk of one MCP tool definition);
- the errors: ``PortcullisError`` and its kinds, ``ConfigError`` listing every ``Problem``.

The names are loaded when first used, so ``import portcullis`` stays cheap for every CLI command.
Subpackages state their own API in ``__all__``; modules and packages starting with ``_`` are private.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portcullis.catalog import Classification, classify_tool
    from portcullis.config import GatewayConfig, load_config
    from portcullis.errors import (
        ConfigError,
        PortcullisError,
        Problem,
        StoreUnavailable,
        UpstreamError,
    )
    from portcullis.policy import CompiledPolicy, Decision, ToolCall, compile_policy, load_policy

__all__ = [
    "Classification",
    "CompiledPolicy",
    "ConfigError",
    "Decision",
    "GatewayConfig",
    "PortcullisError",
    "Problem",
    "StoreUnavailable",
    "ToolCall",
    "UpstreamError",
    "__version__",
    "classify_tool",
    "compile_policy",
    "load_config",
    "load_policy",
]

__version__ = "0.1.0"

_HOMES = {
    "Classification": "portcullis.catalog",
    "classify_tool": "portcullis.catalog",
    "GatewayConfig": "portcullis.config",
    "load_config": "portcullis.config",
    "ConfigError": "portcullis.errors",
    "PortcullisError": "portcullis.errors",
    "Problem": "portcullis.errors",
    "StoreUnavailable": "portcullis.errors",
    "UpstreamError": "portcullis.errors",
    "CompiledPolicy": "portcullis.policy",
    "Decision": "portcullis.policy",
    "ToolCall": "portcullis.policy",
    "compile_policy": "portcullis.policy",
    "load_policy": "portcullis.policy",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'portcullis' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
