"""Use cases: what a user does to layers, teams, areas and snapshots, in the caller's session."""
