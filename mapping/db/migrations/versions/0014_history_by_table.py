"""Each layer's newest history row found at once: an index on (table_name, id).

Revision ID: 0014_history_by_table
Revises: 0013_coverage_areas
Create Date: 2026-12-07

``versions.layer_versions`` asks, on every editor run, for the newest
history id of each pin layer and of everything else. Without this index
each answer read ``layer_history``'s primary key backwards, skipping every
newer row of other tables, and the "everything else" answer read the whole
table: a cost that grew with the history (a year of edits), not with what
changed. With it, each answer is the last entry of its table's part of the
index (then row-level security's check on that row).

Downgrade drops the index.
"""

from alembic import op

revision = "0014_history_by_table"
down_revision = "0013_coverage_areas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index the history by table and id."""
    op.create_index("ix_layer_history_table_id", "layer_history", ["table_name", "id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_layer_history_table_id", table_name="layer_history")
