"""Gateway configuration: the model, loading with precise errors, and importing client config files."""

from __future__ import annotations

from portcullis.config.load import DEFAULT_CONFIG_PATH, load_config, parse_config
from portcullis.config.model import GatewayConfig, GrantConfig, ServerConfig

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "GatewayConfig",
    "GrantConfig",
    "ServerConfig",
    "load_config",
    "parse_config",
]
