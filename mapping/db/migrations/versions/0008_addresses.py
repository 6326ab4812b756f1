"""What addresses what, walking limits, and the partnership's action plan.

Revision ID: 0008_addresses
Revises: 0007_share_links
Create Date: 2026-12-06

- ``addressing_rule``: which resource categories and partner sectors address a
  need category, for which target groups (none listed: every group). Defaults
  ship in ``mapping/data/addressing.csv``; an admin may add rules or switch one
  off (``active``), and ``calmap db upgrade`` never brings a switched-off
  default back.
- ``walking_limit``: how far (metres) people of a target group are expected to
  walk to help; the row ``*`` is everyone else. Defaults in
  ``mapping/data/walking_limits.csv``; admins edit them. A CHECK keeps every
  limit between 50 m and 10 km, whatever writes it.
- ``action``: what the partnership agreed to do about a need: title, due date,
  status, responsible partners (``action_partner``). It has no visibility of its
  own: it is visible exactly when its need is, and editable by whoever may edit
  the need's area. ``team_id`` (the team of the need's area), ``created_by`` and
  ``updated_by`` are written by a trigger, so no statement can forge them; the
  version counter and history are the pins' (``calmap_bump_version``,
  ``calmap_record_history``).
- ``need_partner``: the partners a need was linked to by hand, like
  ``need_resource`` (same policies: visible when both ends are, written by
  whoever may edit the need's area), with an id so that history records it.
- ``layer_history``: a version of an action is visible to whoever may see the
  need it names, so a team-only need's actions never show through history; a
  version of a responsible-partner link to whoever may see its action; a
  version of a need's partner link to whoever may see both ends.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_addresses"
down_revision = "0007_share_links"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")

# The shorthands of 0006/0007: uncorrelated sub-selects, evaluated once per statement.
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"
TEAM_AREAS = "CAST((SELECT calmap_team_area_ids()) AS integer[])"
PERSON = "(SELECT calmap_user_id()) IS NOT NULL"
DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"


def _pin_visible(visibility: str, area: str) -> str:
    # As 0007: partnership pins need a person; a share session sees public ones only.
    vis = f"CAST({visibility} AS text)"
    return (
        f"({ADMIN} OR ({SIGNED_IN} AND {vis} = 'public') "
        f"OR ({PERSON} AND {vis} = 'partnership') "
        f"OR {area} = ANY ({TEAM_AREAS}))"
    )


def _need_editable(need: str) -> str:
    # The sub-select runs under the need's own policies too.
    return (
        f"EXISTS (SELECT 1 FROM need n WHERE n.id = {need} "
        f"AND ({ADMIN} OR n.area_id = ANY ({TEAM_AREAS})))"
    )


FUNCTIONS = f"""
-- The team of an action's need, and who created and last changed it: written
-- here so that no statement of the runtime role can name another team or person.
CREATE OR REPLACE FUNCTION calmap_action_stamp() RETURNS trigger
LANGUAGE plpgsql {DEFINER} AS $$
DECLARE
    who text := coalesce(calmap_username(), NULLIF(current_setting('calmap.app_user', true), ''));
BEGIN
    NEW.team_id := (SELECT a.team_id FROM need n JOIN area a ON a.id = n.area_id
                    WHERE n.id = NEW.need_id);
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := left(who, 64);
    ELSE
        NEW.created_by := OLD.created_by;
        NEW.created_at := OLD.created_at;
    END IF;
    NEW.updated_by := left(who, 64);
    RETURN NEW;
END
$$;

-- A need moved to another area, or an area given to another team: its actions follow
-- (setting team_id makes calmap_action_stamp compute it again from the need).
CREATE OR REPLACE FUNCTION calmap_action_follow_team() RETURNS trigger
LANGUAGE plpgsql {DEFINER} AS $$
BEGIN
    IF TG_TABLE_NAME = 'need' THEN
        UPDATE action SET team_id = NULL
        WHERE need_id = NEW.id
          AND team_id IS DISTINCT FROM (SELECT team_id FROM area WHERE id = NEW.area_id);
    ELSE
        UPDATE action SET team_id = NULL
        WHERE team_id IS DISTINCT FROM NEW.team_id
          AND need_id IN (SELECT id FROM need WHERE area_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;
"""


def _policies() -> list[str]:
    stmts: list[str] = []

    def policy(table: str, action: str, clause: str) -> None:
        name = f"{table}_{action.lower()}"
        stmts.append(f"CREATE POLICY {name} ON {table} FOR {action} TO {APP_ROLE} {clause}")

    for table in ("addressing_rule", "walking_limit"):
        policy(table, "SELECT", f"USING ({SIGNED_IN})")
        policy(table, "INSERT", f"WITH CHECK ({ADMIN})")
        policy(table, "UPDATE", f"USING ({ADMIN}) WITH CHECK ({ADMIN})")
        policy(table, "DELETE", f"USING ({ADMIN})")

    editable = _need_editable("need_id")
    policy("action", "SELECT", "USING (EXISTS (SELECT 1 FROM need n WHERE n.id = need_id))")
    policy("action", "INSERT", f"WITH CHECK ({editable})")
    policy("action", "UPDATE", f"USING ({editable}) WITH CHECK ({editable})")
    policy("action", "DELETE", f"USING ({editable})")

    # A responsible partner is visible when both the action and the partner are.
    policy(
        "action_partner",
        "SELECT",
        "USING (EXISTS (SELECT 1 FROM action a WHERE a.id = action_id) "
        "AND EXISTS (SELECT 1 FROM partner p WHERE p.id = partner_id))",
    )
    action_editable = (
        "EXISTS (SELECT 1 FROM action a WHERE a.id = action_id "
        f"AND {_need_editable('a.need_id')})"
    )
    policy("action_partner", "INSERT", f"WITH CHECK ({action_editable})")
    policy("action_partner", "UPDATE", f"USING ({action_editable}) WITH CHECK ({action_editable})")
    policy("action_partner", "DELETE", f"USING ({action_editable})")

    # As need_resource (0006): visible when both ends are, written with the need.
    policy(
        "need_partner",
        "SELECT",
        "USING (EXISTS (SELECT 1 FROM need n WHERE n.id = need_id) "
        "AND EXISTS (SELECT 1 FROM partner p WHERE p.id = partner_id))",
    )
    policy("need_partner", "INSERT", f"WITH CHECK ({_need_editable('need_id')})")
    policy("need_partner", "DELETE", f"USING ({_need_editable('need_id')})")
    return stmts


def _history_policy() -> str:
    pin_version = _pin_visible("row_data->>'visibility'", "(row_data->>'area_id')::integer")
    # An action has no visibility of its own: a version is visible to whoever may
    # see the need it names (the sub-select runs under the need's policies).
    action_version = (
        "EXISTS (SELECT 1 FROM need n WHERE n.id = (row_data->>'need_id')::integer)"
    )
    link_version = (
        "EXISTS (SELECT 1 FROM action a WHERE a.id = (row_data->>'action_id')::integer)"
    )
    need_link_version = (
        "EXISTS (SELECT 1 FROM need n WHERE n.id = (row_data->>'need_id')::integer) "
        "AND EXISTS (SELECT 1 FROM partner p WHERE p.id = (row_data->>'partner_id')::integer)"
    )
    return (
        f"CREATE POLICY layer_history_select ON layer_history FOR SELECT TO {APP_ROLE} "
        f"USING ({PERSON} AND CASE "
        f"WHEN CAST(table_name AS text) IN ('resource', 'partner', 'need') THEN {pin_version} "
        f"WHEN CAST(table_name AS text) = 'action' THEN ({ADMIN} OR {action_version}) "
        f"WHEN CAST(table_name AS text) = 'action_partner' THEN ({ADMIN} OR {link_version}) "
        f"WHEN CAST(table_name AS text) = 'need_partner' THEN ({ADMIN} OR ({need_link_version})) "
        f"ELSE {SIGNED_IN} END)"
    )


def upgrade() -> None:
    op.create_table(
        "addressing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_category", sa.String(length=64), nullable=False),
        sa.Column("addresser_vocabulary", sa.String(length=32), nullable=False),
        sa.Column("addresser_code", sa.String(length=64), nullable=False),
        sa.Column(
            "target_groups", sa.ARRAY(sa.String(length=64)), server_default="{}", nullable=False
        ),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.CheckConstraint(
            "addresser_vocabulary IN ('resource_category', 'partner_sector')",
            name="ck_addressing_rule_vocabulary",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "need_category", "addresser_vocabulary", "addresser_code",
            name="uq_addressing_rule",
        ),
    )
    op.create_table(
        "walking_limit",
        sa.Column("target_group", sa.String(length=64), nullable=False),
        sa.Column("metres", sa.Integer(), nullable=False),
        sa.CheckConstraint("metres BETWEEN 50 AND 10000", name="ck_walking_limit_metres"),
        sa.PrimaryKeyConstraint("target_group"),
    )
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="planned", nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')", name="ck_action_status"
        ),
        sa.CheckConstraint("length(btrim(title)) > 0", name="ck_action_title"),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_need_id", "action", ["need_id"])
    op.create_index("ix_action_team_id", "action", ["team_id"])
    op.create_table(
        "action_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id", "partner_id", name="uq_action_partner"),
    )
    op.create_index("ix_action_partner_partner_id", "action_partner", ["partner_id"])
    op.create_table(
        "need_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "partner_id", name="uq_need_partner"),
    )
    op.create_index("ix_need_partner_partner_id", "need_partner", ["partner_id"])

    op.execute(FUNCTIONS)
    op.execute(
        "CREATE TRIGGER action_stamp BEFORE INSERT OR UPDATE ON action "
        "FOR EACH ROW EXECUTE FUNCTION calmap_action_stamp()"
    )
    for table in ("action", "action_partner", "need_partner"):
        op.execute(
            f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION calmap_record_history()"
        )
    op.execute(
        "CREATE TRIGGER action_bump_version BEFORE UPDATE ON action "
        "FOR EACH ROW EXECUTE FUNCTION calmap_bump_version()"
    )
    op.execute(
        "CREATE TRIGGER need_action_team AFTER UPDATE OF area_id ON need "
        "FOR EACH ROW EXECUTE FUNCTION calmap_action_follow_team()"
    )
    op.execute(
        "CREATE TRIGGER area_action_team AFTER UPDATE OF team_id ON area "
        "FOR EACH ROW EXECUTE FUNCTION calmap_action_follow_team()"
    )

    tables = ("addressing_rule", "walking_limit", "action", "action_partner", "need_partner")
    op.execute(f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {APP_ROLE}")
    for sequence in (
        "addressing_rule_id_seq", "action_id_seq", "action_partner_id_seq", "need_partner_id_seq"
    ):
        op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {APP_ROLE}")
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for stmt in _policies():
        op.execute(stmt)
    op.execute("DROP POLICY layer_history_select ON layer_history")
    op.execute(_history_policy())


def downgrade() -> None:
    pin_version = _pin_visible("row_data->>'visibility'", "(row_data->>'area_id')::integer")
    op.execute("DROP POLICY layer_history_select ON layer_history")
    op.execute(
        f"CREATE POLICY layer_history_select ON layer_history FOR SELECT TO {APP_ROLE} "
        f"USING ({PERSON} AND CASE WHEN CAST(table_name AS text) IN ('resource', 'partner', "
        f"'need') THEN {pin_version} ELSE {SIGNED_IN} END)"
    )
    op.execute("DROP TRIGGER IF EXISTS need_action_team ON need")
    op.execute("DROP TRIGGER IF EXISTS area_action_team ON area")
    op.drop_table("need_partner")
    op.drop_table("action_partner")
    op.drop_table("action")
    op.drop_table("walking_limit")
    op.drop_table("addressing_rule")
    op.execute("DROP FUNCTION IF EXISTS calmap_action_follow_team()")
    op.execute("DROP FUNCTION IF EXISTS calmap_action_stamp()")
