"""Editing support: partners may serve an area from outside; forms are saved once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submitted_form",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("token"),
    )
    op.add_column(
        "partner",
        sa.Column("serves_from_outside", sa.Boolean(), server_default="false", nullable=False),
    )
    op.execute("GRANT SELECT, INSERT ON submitted_form TO calmap_app")


def downgrade() -> None:
    op.drop_column("partner", "serves_from_outside")
    op.drop_table("submitted_form")
