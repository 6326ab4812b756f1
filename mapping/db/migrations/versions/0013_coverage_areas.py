"""The street junctions inside each area, kept for coverage.

Revision ID: 0013_coverage_areas
Revises: 0012_walking_cache
Create Date: 2026-12-06

- ``coverage_area_vertex``: per street layer and area, the ids of the layer's
  junctions inside the area (packed int32), with a ``stamp``: the md5 of the
  layer's import time and of the area's outline. Matching some 70,000
  junctions to 35 districts took the better part of a second on every coverage
  question; it changes only when the network is re-imported or an area is
  redrawn, which changes the stamp (the row is then rebuilt). Removing a layer
  or an area cascades here. Junction ids are public reference data like the
  streets; a row is readable and writable by whoever is signed in and may see
  the area, under the area's own policies.

Downgrade drops the table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_coverage_areas"
down_revision = "0012_walking_cache"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
# The area, read under its own row-level security.
AREA_VISIBLE = "EXISTS (SELECT 1 FROM area a WHERE a.id = area_id)"


def policy(table: str, action: str, clause: str) -> None:
    """One row-level security policy for the app's role."""
    op.execute(
        f"CREATE POLICY {table}_{action.lower()} ON {table} FOR {action} TO {APP_ROLE} "
        f"{clause}"
    )


def upgrade() -> None:
    op.create_table(
        "coverage_area_vertex",
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("vertices", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("layer_id", "area_id"),
    )
    op.execute("REVOKE ALL ON coverage_area_vertex FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON coverage_area_vertex TO {APP_ROLE}")
    op.execute("ALTER TABLE coverage_area_vertex ENABLE ROW LEVEL SECURITY")
    visible = f"{SIGNED_IN} AND {AREA_VISIBLE}"
    policy("coverage_area_vertex", "SELECT", f"USING ({visible})")
    policy("coverage_area_vertex", "INSERT", f"WITH CHECK ({visible})")
    policy("coverage_area_vertex", "UPDATE", f"USING ({visible}) WITH CHECK ({visible})")
    policy("coverage_area_vertex", "DELETE", f"USING ({visible})")


def downgrade() -> None:
    op.drop_table("coverage_area_vertex")
