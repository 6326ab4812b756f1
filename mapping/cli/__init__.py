"""The ``calmap`` command, one module per command group (``main`` holds the top level)."""
