"""Client sessions: the state of one downstream client (``client``) and the one registry of them (``registry``)."""
