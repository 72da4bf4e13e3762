"""The built-in analysis tasks of the embedded runtime (registered in ``registry``)."""
