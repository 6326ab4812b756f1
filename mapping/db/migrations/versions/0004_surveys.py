"""Resident surveys: questionnaire versions, waves, pseudonymised answers, published needs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

- ``survey_form``: one XLSForm version (``form_id`` + ``version``), its file and
  the parsed definition with the choice → catalogue category mapping. Shared by
  every team (a questionnaire is not personal data).
- ``survey_wave``: one round of collection with one form version, owned by a
  team; holds the per-wave secret that keys the respondent pseudonyms.
- ``survey_response``: one respondent of a wave: the area it was assigned to,
  a pseudonymous key (HMAC of the submission id with the wave's secret), the
  answers to the mapped questions only (choice names) and the catalogue
  categories they map to. No names, phones, addresses, free text or points.
- ``survey_need``: the provenance of a need published from a wave's
  indicator: wave (kept by name and form version when the wave is deleted),
  area, category and the published numbers.

Row-level security (the style of 0002): waves and answers are visible only to
admins and to editors of the owning team; deleting a wave deletes its answers.
Published needs are ordinary needs, so their link rows are readable by every
signed-in user and written by whoever may edit the need's area.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
POLICY_TABLES = ("survey_form", "survey_wave", "survey_response", "survey_need")

FUNCTIONS = """
CREATE OR REPLACE FUNCTION calmap_may_edit_team(target_team integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE calmap_user_role()
        WHEN 'admin' THEN true
        WHEN 'editor' THEN EXISTS (
            SELECT 1 FROM team_member m
            WHERE m.team_id = target_team AND m.user_id = calmap_user_id()
        )
        ELSE false
    END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "survey_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("xlsform", sa.LargeBinary(), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_id", "version", name="uq_survey_form_version"),
    )
    op.create_table(
        "survey_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("form_pk", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("collected_from", sa.Date(), nullable=True),
        sa.Column("collected_to", sa.Date(), nullable=True),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["form_pk"], ["survey_form.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "name", name="uq_survey_wave_team_name"),
    )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("respondent_key", sa.String(length=64), nullable=False),
        sa.Column(
            "categories",
            postgresql.ARRAY(sa.String(length=100)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["wave_id"], ["survey_wave.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wave_id", "respondent_key", name="uq_survey_response_key"),
    )
    op.create_table(
        "survey_need",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=True),
        sa.Column("wave_name", sa.String(length=100), nullable=False),
        sa.Column("form_pk", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["form_pk"], ["survey_form.id"]),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["wave_id"], ["survey_wave.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("need_id"),
    )
    op.create_index("ix_survey_need_wave_id", "survey_need", ["wave_id"], unique=False)

    op.execute(FUNCTIONS)
    op.execute(f"GRANT SELECT, INSERT ON survey_form TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, DELETE ON survey_wave, survey_need TO {APP_ROLE}")
    # Answers are never edited in place: a wrong import is deleted with its wave.
    op.execute(f"GRANT SELECT, INSERT, DELETE ON survey_response TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")

    for table in POLICY_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY survey_form_read ON survey_form FOR SELECT TO {APP_ROLE} "
        "USING (calmap_user_role() IS NOT NULL)"
    )
    op.execute(
        f"CREATE POLICY survey_form_insert ON survey_form FOR INSERT TO {APP_ROLE} "
        "WITH CHECK (calmap_user_role() IN ('admin', 'editor'))"
    )
    op.execute(
        f"CREATE POLICY survey_wave_read ON survey_wave FOR SELECT TO {APP_ROLE} "
        "USING (calmap_may_edit_team(team_id))"
    )
    op.execute(
        f"CREATE POLICY survey_wave_insert ON survey_wave FOR INSERT TO {APP_ROLE} "
        "WITH CHECK (calmap_may_edit_team(team_id))"
    )
    op.execute(
        f"CREATE POLICY survey_wave_delete ON survey_wave FOR DELETE TO {APP_ROLE} "
        "USING (calmap_may_edit_team(team_id))"
    )
    # The waves this user may see come from survey_wave's own policy; an
    # uncorrelated subquery is planned once per statement, not once per answer,
    # which matters for a 100,000-answer import or aggregate.
    op.execute(
        f"CREATE POLICY survey_response_read ON survey_response FOR SELECT TO {APP_ROLE} "
        "USING (wave_id IN (SELECT id FROM survey_wave))"
    )
    op.execute(
        f"CREATE POLICY survey_response_insert ON survey_response FOR INSERT TO {APP_ROLE} "
        "WITH CHECK (wave_id IN (SELECT id FROM survey_wave))"
    )
    op.execute(
        f"CREATE POLICY survey_response_delete ON survey_response FOR DELETE TO {APP_ROLE} "
        "USING (wave_id IN (SELECT id FROM survey_wave))"
    )
    op.execute(
        f"CREATE POLICY survey_need_read ON survey_need FOR SELECT TO {APP_ROLE} "
        "USING (calmap_user_role() IS NOT NULL)"
    )
    op.execute(
        f"CREATE POLICY survey_need_insert ON survey_need FOR INSERT TO {APP_ROLE} "
        "WITH CHECK (calmap_may_edit_area(area_id))"
    )
    op.execute(
        f"CREATE POLICY survey_need_delete ON survey_need FOR DELETE TO {APP_ROLE} "
        "USING (calmap_may_edit_area(area_id))"
    )


def downgrade() -> None:
    for table in POLICY_TABLES:
        for action in ("read", "insert", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{action} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS calmap_may_edit_team(integer)")
    op.drop_index("ix_survey_need_wave_id", table_name="survey_need")
    op.drop_table("survey_need")
    op.drop_table("survey_response")
    op.drop_table("survey_wave")
    op.drop_table("survey_form")
