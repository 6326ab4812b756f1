"""The walking areas kept in the database, and what each population layer was read from.

Revision ID: 0012_walking_cache
Revises: 0011_population
Create Date: 2026-12-06

- ``walking_area_cache``: one resource's 5, 10 and 15-minute walking areas
  (WKB outlines in EPSG:4326), keyed by the resource's ``version`` (the
  database bumps it on every change, a move included) and the street layer
  they were walked on (NULL: straight-line circles; a re-imported network is
  a new layer, and removing one cascades here). One row per resource: a move
  or another network replaces it. It is readable and writable only by whoever
  may see the resource, under the resource's own policies, so a viewer never
  reads the outline of a team-only resource.
- ``population_layer``: per city, the population file's name, the field the
  residents were read from, points or grid, the file's CRS, the credit its
  publisher asks for (e.g. "GUS") and the import's time and author (``population_point`` keeps the points). Public reference
  data like the points: everyone signed in reads, admins write.

Downgrade drops both tables.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_walking_cache"
down_revision = "0011_population"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"
# The resource, read under its own row-level security.
RESOURCE_VISIBLE = "EXISTS (SELECT 1 FROM resource r WHERE r.id = resource_id)"


def policy(table: str, action: str, clause: str) -> None:
    """One row-level security policy for the app's role."""
    op.execute(
        f"CREATE POLICY {table}_{action.lower()} ON {table} FOR {action} TO {APP_ROLE} "
        f"{clause}"
    )


def upgrade() -> None:
    op.create_table(
        "walking_area_cache",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("resource_version", sa.Integer(), nullable=False),
        sa.Column("street_layer_id", sa.Integer(), nullable=True),
        sa.Column("distance_kind", sa.String(length=16), nullable=False),
        sa.Column("attribution", sa.String(length=300), nullable=True),
        sa.Column("outline_5", sa.LargeBinary(), nullable=False),
        sa.Column("outline_10", sa.LargeBinary(), nullable=False),
        sa.Column("outline_15", sa.LargeBinary(), nullable=False),
        sa.Column(
            "computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["street_layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id"),
    )
    op.create_table(
        "population_layer",
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("crs", sa.String(length=200), nullable=False),
        sa.Column("attribution", sa.String(length=300), server_default="", nullable=False),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("imported_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("city"),
    )
    tables = ("walking_area_cache", "population_layer")
    op.execute(f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {APP_ROLE}")
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    visible = f"{SIGNED_IN} AND {RESOURCE_VISIBLE}"
    policy("walking_area_cache", "SELECT", f"USING ({visible})")
    policy("walking_area_cache", "INSERT", f"WITH CHECK ({visible})")
    policy("walking_area_cache", "UPDATE", f"USING ({visible}) WITH CHECK ({visible})")
    policy("walking_area_cache", "DELETE", f"USING ({visible})")
    policy("population_layer", "SELECT", f"USING ({SIGNED_IN})")
    policy("population_layer", "INSERT", f"WITH CHECK ({ADMIN})")
    policy("population_layer", "UPDATE", f"USING ({ADMIN}) WITH CHECK ({ADMIN})")
    policy("population_layer", "DELETE", f"USING ({ADMIN})")


def downgrade() -> None:
    op.drop_table("population_layer")
    op.drop_table("walking_area_cache")
