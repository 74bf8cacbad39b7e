"""What is left of the old ``gateway`` package: ``eras`` and ``bridge``, on their way to ``portcullis.protocol``.

The gateway is now in layers (see ARCHITECTURE.md): ``edge`` → ``routing`` → ``pipeline`` → ``sessions``,
built by ``portcullis.assemble``.
"""
