"""The walking street network, and the cache of walking distances for coverage.

Revision ID: 0009_streets
Revises: 0008_addresses
Create Date: 2026-12-06

- ``street_layer``: one walkable network per city (``city`` '' when none is
  named), with its source file and the attribution that must travel with
  anything derived from it ("© OpenStreetMap contributors", ODbL).
- ``street_vertex`` / ``street_edge``: the routable graph, noded at every
  vertex two ways share; ``component`` numbers the connected parts (0 is the
  largest), ``length_m`` is metres on the spheroid. Streets are public reference
  data: everyone signed in reads them, admins (and the owner: the CLI) write.
- ``coverage_run`` / ``coverage_reach``: walking distances from the resources
  and partners of one coverage question to every street vertex in reach, keyed
  by a digest of the inputs (network, the sources and their versions, the
  limit), so that a question asked again costs a lookup and one moved pin
  recomputes only the questions it takes part in. A reach row is visible only
  to whoever may see the pin it leads to, so a viewer never reads distances to
  a team-only resource.
- pgRouting: ``CREATE EXTENSION pgrouting`` when the server has it and the
  migrating role may create it; without it every distance is a straight line
  and says so (nothing else changes).

Downgrade drops the tables; the pgrouting extension is left installed (other
databases' objects may use it; ``DROP EXTENSION pgrouting`` by hand if wanted).
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0009_streets"
down_revision = "0008_addresses"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"

PGROUTING = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pgrouting;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pgrouting not created (no right): distances stay straight lines';
        END;
    END IF;
END
$$;
"""

# The source pin of a reach row, under the pin's own policies.
SOURCE_VISIBLE = (
    "(CASE source_layer WHEN 'resource' THEN EXISTS (SELECT 1 FROM resource r "
    "WHERE r.id = source_id) ELSE EXISTS (SELECT 1 FROM partner p WHERE p.id = source_id) END)"
)


def upgrade() -> None:
    op.execute(PGROUTING)
    op.create_table(
        "street_layer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=100), server_default="", nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("attribution", sa.String(length=300), nullable=False),
        sa.Column("edge_count", sa.Integer(), nullable=False),
        sa.Column("vertex_count", sa.Integer(), nullable=False),
        sa.Column("component_count", sa.Integer(), nullable=False),
        sa.Column("length_km", sa.Float(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=True),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("city", name="uq_street_layer_city"),
    )
    op.create_table(
        "street_vertex",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.Integer(), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_street_vertex_geom", "street_vertex", ["geom"], postgresql_using="gist")
    op.create_index("ix_street_vertex_layer_id", "street_vertex", ["layer_id"])
    op.create_table(
        "street_edge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column(
            "geom", Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False
        ),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_street_edge_geom", "street_edge", ["geom"], postgresql_using="gist")
    op.create_index("ix_street_edge_layer_id", "street_edge", ["layer_id"])
    op.create_table(
        "coverage_run",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "coverage_reach",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("vertex_id", sa.Integer(), nullable=False),
        sa.Column("metres", sa.Float(), nullable=False),
        sa.Column("straight", sa.Boolean(), nullable=False),
        sa.Column("source_layer", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["digest"], ["coverage_run.digest"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest", "vertex_id"),
    )

    tables = ("street_layer", "street_vertex", "street_edge", "coverage_run", "coverage_reach")
    op.execute(f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE street_layer_id_seq TO {APP_ROLE}")
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")

    def policy(table: str, action: str, clause: str) -> None:
        op.execute(
            f"CREATE POLICY {table}_{action.lower()} ON {table} FOR {action} TO {APP_ROLE} "
            f"{clause}"
        )

    for table in ("street_layer", "street_vertex", "street_edge"):
        policy(table, "SELECT", f"USING ({SIGNED_IN})")
        policy(table, "INSERT", f"WITH CHECK ({ADMIN})")
        policy(table, "UPDATE", f"USING ({ADMIN}) WITH CHECK ({ADMIN})")
        policy(table, "DELETE", f"USING ({ADMIN})")
    # A run is only a digest and a time: anyone signed in may record one, and
    # forget stale ones (their reach rows go with them).
    policy("coverage_run", "SELECT", f"USING ({SIGNED_IN})")
    policy("coverage_run", "INSERT", f"WITH CHECK ({SIGNED_IN})")
    policy("coverage_run", "DELETE", f"USING ({SIGNED_IN})")
    policy("coverage_reach", "SELECT", f"USING ({SIGNED_IN} AND {SOURCE_VISIBLE})")
    policy("coverage_reach", "INSERT", f"WITH CHECK ({SIGNED_IN} AND {SOURCE_VISIBLE})")
    policy("coverage_reach", "DELETE", f"USING ({SIGNED_IN} AND {SOURCE_VISIBLE})")


def downgrade() -> None:
    for table in ("coverage_reach", "coverage_run", "street_edge", "street_vertex", "street_layer"):
        op.drop_table(table)
