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
- ``coverage_run``: walking distances from the resources of one category (or
  the partners of one sector) to every street vertex within the longest walking
  limit, each vertex with its nearest source (packed arrays), keyed by a digest
  of the inputs (network, the sources with their versions, the limit), so that
  coverage asked again costs a lookup and one moved pin recomputes only its own
  category's run. A run is visible only to whoever may see every one of its
  sources, so a viewer never reads distances to a team-only resource.
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

# Every source pin of a run, under the pins' own policies.
SOURCES_VISIBLE = (
    "(cardinality(source_ids) = (CASE source_layer "
    "WHEN 'resource' THEN (SELECT count(*) FROM resource r WHERE r.id = ANY (source_ids)) "
    "ELSE (SELECT count(*) FROM partner p WHERE p.id = ANY (source_ids)) END))"
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
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("source_layer", sa.String(length=16), nullable=False),
        sa.Column("limit_m", sa.Integer(), nullable=False),
        sa.Column("source_ids", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("vertices", sa.LargeBinary(), nullable=False),
        sa.Column("metres", sa.LargeBinary(), nullable=False),
        sa.Column("sources", sa.LargeBinary(), nullable=False),
        sa.Column("straight", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["layer_id"], ["street_layer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("digest"),
    )

    tables = ("street_layer", "street_vertex", "street_edge", "coverage_run")
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
    # A run holds distances to its sources: visible only when every source is.
    policy("coverage_run", "SELECT", f"USING ({SIGNED_IN} AND {SOURCES_VISIBLE})")
    policy("coverage_run", "INSERT", f"WITH CHECK ({SIGNED_IN} AND {SOURCES_VISIBLE})")
    policy("coverage_run", "DELETE", f"USING ({SIGNED_IN} AND {SOURCES_VISIBLE})")


def downgrade() -> None:
    for table in ("coverage_run", "street_edge", "street_vertex", "street_layer"):
        op.drop_table(table)
