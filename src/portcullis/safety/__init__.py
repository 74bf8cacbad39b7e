"""The call path's checks that look beyond one call: session rules and loops, and shadow policies.

- ``SessionSafety`` (``safety.sessions``): before a call goes ahead, the loop rules and session rules
  of the grant's policy, on the session's history (in this process, or shared through Redis); after
  it went ahead, the data-flow tags it adds to its session.
- ``ShadowRunner`` (``safety.shadow``): what a shadow policy (a grant's ``shadow_policy`` draft, or the
  rules of its policy marked ``"mode": "shadow"``) would have decided, for the audit record and
  ``/metrics``; it enforces nothing.
"""

from __future__ import annotations

from portcullis.safety.sessions import SessionSafety
from portcullis.safety.shadow import ShadowRunner, shadow_differs

__all__ = ["SessionSafety", "ShadowRunner", "shadow_differs"]
