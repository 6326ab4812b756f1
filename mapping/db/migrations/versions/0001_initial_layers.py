"""initial layers

Revision ID: 0001
Revises:
Create Date: 2026-11-24

The layers, the catalogue, app users, and the history kept by the database:
a trigger on every layer table writes each inserted, updated or deleted row to
``layer_history`` with the acting app user (``calmap.app_user``) and the time,
so edits made in QGIS or psql are kept too. A second trigger bumps ``version``
and ``updated_at`` on every update, so optimistic locking also sees those edits.
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# Frozen copy of mapping.db.models.HISTORY_TABLES at this revision (migrations must not change
# when the models do).
HISTORY_TABLES = (
    "team",
    "area",
    "resource",
    "partner",
    "partnership",
    "partnership_member",
    "need",
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=16), server_default="viewer", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("role IN ('admin', 'editor', 'viewer')", name="ck_app_user_role"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vocabulary", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("label_pl", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("icon", sa.String(length=8), server_default="●", nullable=False),
        sa.Column("colour", sa.String(length=7), server_default="#555555", nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sensitive", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.CheckConstraint(
            "vocabulary IN ('resource_kind', 'resource_category', 'need_category', 'partner_sector', 'target_group', 'source_method')",
            name="ck_category_vocabulary",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vocabulary", "code", name="uq_category_vocabulary_code"),
    )
    op.create_table(
        "layer_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=8), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("app_user", sa.String(length=64), nullable=True),
        sa.Column(
            "db_user", sa.String(length=64), server_default=sa.text("CURRENT_USER"), nullable=False
        ),
        sa.Column("row_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_layer_history_changed_at", "layer_history", ["changed_at"], unique=False)
    op.create_index(
        "ix_layer_history_row",
        "layer_history",
        ["table_name", "row_id", "changed_at"],
        unique=False,
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("streets", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("kind IN ('city', 'district', 'estate')", name="ck_area_kind"),
        sa.ForeignKeyConstraint(["parent_id"], ["area.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_area_geom", "area", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index("ix_area_parent_id", "area", ["parent_id"], unique=False)
    op.create_index("ix_area_team_id", "area", ["team_id"], unique=False)
    op.create_table(
        "partnership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("formed_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_geospatial_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column(
            "target_groups",
            postgresql.ARRAY(sa.String(length=64)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), server_default="2", nullable=False),
        sa.Column("status", sa.String(length=32), server_default="identified", nullable=False),
        sa.Column("source_method", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("www", sa.String(length=500), nullable=True),
        sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('identified', 'being_addressed', 'met', 'archived')", name="ck_need_status"
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'partnership', 'team')", name="ck_need_visibility"
        ),
        sa.CheckConstraint("geom IS NOT NULL OR area_id IS NOT NULL", name="ck_need_placed"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="ck_need_priority"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_need_geom", "need", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index("ix_need_area_id", "need", ["area_id"], unique=False)
    op.create_geospatial_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("www", sa.String(length=500), nullable=True),
        sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "visibility IN ('public', 'partnership', 'team')", name="ck_partner_visibility"
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_partner_geom",
        "partner",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_partner_area_id", "partner", ["area_id"], unique=False)
    op.create_table(
        "partnership_area",
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("partnership_id", "area_id"),
    )
    op.create_table(
        "partnership_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partnership_id", "partner_id", name="uq_partnership_member"),
    )
    op.create_geospatial_table(
        "resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column(
            "target_groups",
            postgresql.ARRAY(sa.String(length=64)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("provider_partner_id", sa.Integer(), nullable=True),
        sa.Column("serves_from_outside", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("www", sa.String(length=500), nullable=True),
        sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "visibility IN ('public', 'partnership', 'team')", name="ck_resource_visibility"
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["provider_partner_id"], ["partner.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_resource_geom",
        "resource",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_resource_area_id", "resource", ["area_id"], unique=False)
    op.create_table(
        "need_resource",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("need_id", "resource_id"),
    )

    _create_history_triggers()


HISTORY_FUNCTION = """
CREATE OR REPLACE FUNCTION calmap_record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO layer_history (table_name, row_id, operation, app_user, db_user, row_data)
    VALUES (
        TG_TABLE_NAME,
        CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
        TG_OP,
        NULLIF(current_setting('calmap.app_user', true), ''),
        session_user,
        CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END
    );
    RETURN NULL;
END
$$
"""

BUMP_VERSION_FUNCTION = """
CREATE OR REPLACE FUNCTION calmap_bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END
$$
"""


def _create_history_triggers() -> None:
    op.execute(HISTORY_FUNCTION)
    op.execute(BUMP_VERSION_FUNCTION)
    for table in HISTORY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION calmap_record_history()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_bump_version BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION calmap_bump_version()"
        )


def downgrade() -> None:
    for table in HISTORY_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_history ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS calmap_record_history()")
    op.execute("DROP FUNCTION IF EXISTS calmap_bump_version()")
    op.drop_table("need_resource")
    op.drop_index("ix_resource_area_id", table_name="resource")
    op.drop_geospatial_index(
        "idx_resource_geom", table_name="resource", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("resource")
    op.drop_table("partnership_member")
    op.drop_table("partnership_area")
    op.drop_index("ix_partner_area_id", table_name="partner")
    op.drop_geospatial_index(
        "idx_partner_geom", table_name="partner", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("partner")
    op.drop_index("ix_need_area_id", table_name="need")
    op.drop_geospatial_index(
        "idx_need_geom", table_name="need", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("need")
    op.drop_table("team_member")
    op.drop_table("partnership")
    op.drop_index("ix_area_team_id", table_name="area")
    op.drop_index("ix_area_parent_id", table_name="area")
    op.drop_geospatial_index(
        "idx_area_geom", table_name="area", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("area")
    op.drop_table("team")
    op.drop_index("ix_layer_history_row", table_name="layer_history")
    op.drop_index("ix_layer_history_changed_at", table_name="layer_history")
    op.drop_table("layer_history")
    op.drop_table("category")
    op.drop_table("app_user")
