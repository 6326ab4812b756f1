"""Population points: where residents live, for residents within walking reach.

Revision ID: 0011_population
Revises: 0010_need_resource_history
Create Date: 2026-12-06

- ``population_point``: one city's population layer, as points with a number
  of residents each: address points with their residents, or the cells of a
  population grid (GUS's 1 km / 250 m grid) each counted at a point inside it.
  ``source`` names the file, ``imported_at``/``imported_by`` the import. A
  city's layer is replaced as a whole (``calmap import population``).
  Like the streets it is public reference data: everyone signed in reads it,
  admins (and the owner: the CLI) write it.

Downgrade drops the table.
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0011_population"
down_revision = "0010_need_resource_history"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"


def upgrade() -> None:
    op.create_table(
        "population_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=100), server_default="", nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("imported_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("residents >= 0", name="ck_population_point_residents"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "idx_population_point_geom", "population_point", ["geom"], postgresql_using="gist"
    )
    op.create_index("ix_population_point_city", "population_point", ["city"])
    op.execute("REVOKE ALL ON population_point FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON population_point TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE population_point_id_seq TO {APP_ROLE}")
    op.execute("ALTER TABLE population_point ENABLE ROW LEVEL SECURITY")
    for action, clause in (
        ("SELECT", f"USING ({SIGNED_IN})"),
        ("INSERT", f"WITH CHECK ({ADMIN})"),
        ("UPDATE", f"USING ({ADMIN}) WITH CHECK ({ADMIN})"),
        ("DELETE", f"USING ({ADMIN})"),
    ):
        op.execute(
            f"CREATE POLICY population_point_{action.lower()} ON population_point "
            f"FOR {action} TO {APP_ROLE} {clause}"
        )


def downgrade() -> None:
    op.drop_table("population_point")
