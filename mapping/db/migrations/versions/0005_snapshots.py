"""Snapshots: a named date whose map is the layers as of that moment, read from history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

A snapshot holds no copy of the layers: ``taken_at`` is the moment the
layers are read as of (the end of ``on_date`` in Poland, unless an exact
moment was given), and ``layer_history`` supplies the rows. Names are unique
whatever their letter case ("Czerwiec 2026" and "czerwiec 2026" are one).

Row-level security (the style of 0002): every signed-in user reads the
snapshots; admins and editors create them; only admins delete one. Nobody
updates a snapshot: it is a fixed date, so the app role has no UPDATE right.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"


def upgrade() -> None:
    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("length(btrim(name)) > 0", name="ck_snapshot_name"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_snapshot_name_lower", "snapshot", [sa.text("lower(name)")], unique=True
    )
    op.execute(f"GRANT SELECT, INSERT, DELETE ON snapshot TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE snapshot_id_seq TO {APP_ROLE}")
    op.execute("ALTER TABLE snapshot ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY snapshot_read ON snapshot FOR SELECT TO {APP_ROLE} "
        "USING (calmap_user_role() IS NOT NULL)"
    )
    op.execute(
        f"CREATE POLICY snapshot_insert ON snapshot FOR INSERT TO {APP_ROLE} "
        "WITH CHECK (calmap_user_role() IN ('admin', 'editor'))"
    )
    op.execute(
        f"CREATE POLICY snapshot_delete ON snapshot FOR DELETE TO {APP_ROLE} "
        "USING (calmap_user_role() = 'admin')"
    )


def downgrade() -> None:
    for action in ("read", "insert", "delete"):
        op.execute(f"DROP POLICY IF EXISTS snapshot_{action} ON snapshot")
    op.drop_index("uq_snapshot_name_lower", table_name="snapshot")
    op.drop_table("snapshot")
