"""The ``tools/call`` pipeline: one module per step, composed in order by ``pipeline.pipeline``."""
