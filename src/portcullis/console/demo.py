"""``portcullis serve --demo`` opens the console without any setup: a one-run admin token.

When the demo runs without admin tokens of its own and listens on loopback only, a random admin token
is made for this process (kept in memory, never written) and the sign-in address is printed with it
in the URL's fragment (``#token=…``): the fragment never leaves the browser, and the sign-in page
fills the field from it. A demo on any other address gets no token: create one with
``portcullis admin-token create NAME --role admin``.
"""

from __future__ import annotations

from dataclasses import replace

from portcullis.config.model import AdminTokenConfig, GatewayConfig
from portcullis.policy.operators import new_admin_token, token_digest

__all__ = ["DEMO_OPERATOR", "sign_in_url", "with_demo_operator"]

DEMO_OPERATOR = "demo-operator"


def with_demo_operator(config: GatewayConfig, loopback: bool) -> tuple[GatewayConfig, str | None]:
    """The config with a one-run admin token, and the token; unchanged (and None) when it has tokens or is not
    on loopback."""
    if not loopback or config.admin_tokens or config.admin_token_sha256:
        return config, None
    token = new_admin_token()
    operator = AdminTokenConfig(DEMO_OPERATOR, token_digest(token), "admin")
    return replace(config, admin_tokens=(operator,)), token


def sign_in_url(listen: str, token: str) -> str:
    return f"http://{listen}/console/login#token={token}"
