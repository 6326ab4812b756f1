"""Use cases: what a user does to layers, teams, areas and snapshots, in the caller's session."""

# Installs the listener that forgets public pin files when a pin stops being public.
from mapping.services import public_pins as _public_pins  # noqa: F401
