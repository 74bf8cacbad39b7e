"""The gateway itself: downstream transports (HTTP, stdio), client sessions, routing and the call path.

A request travels: transport (``http``/``stdio``) → ``client`` session → ``core.Gateway.handle`` →
``lists`` or ``calls`` (decide → limit → approve → forward → audit) → ``upstream`` session.
"""
