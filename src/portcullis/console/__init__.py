"""The web console at ``/console``: server-rendered pages (Jinja2 templates, htmx vendored in ``static/``),
a signed session cookie from an admin token, CSRF tokens, a strict CSP — over the admin API's services.

``console_app(state, allows, extra)`` is what the gateway mounts (see ``console.app``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["console_app"]


def __getattr__(name: str) -> Any:
    if name == "console_app":  # imported lazily: ``console.session`` is used by the API without the pages
        from portcullis.console.app import console_app

        return console_app
    raise AttributeError(name)
