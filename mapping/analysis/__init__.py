"""Pure analysis of exported layers: which unit a row belongs to, what changed between two maps."""
