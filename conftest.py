"""Collection outside tests/: pytest also runs the docstring examples of the core."""

# Alembic runs env.py itself, against a configured context; imported bare it fails.
collect_ignore = ["mapping/db/migrations"]
