"""The edge: the HTTP and stdio fronts, the Origin/Host guard, inbound message checks, agent-key auth and health.

It turns bytes into messages and a grant, then hands each message to ``routing``.
"""
