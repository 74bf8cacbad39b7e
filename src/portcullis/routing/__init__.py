"""Routing: answer each message by its method (lifecycle, lists, resources, subscriptions); ``tools/call`` goes on to
``pipeline``. Tool, prompt and resource names are mapped to their server here (``names``, ``uris``)."""
