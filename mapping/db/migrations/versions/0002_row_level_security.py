"""Row-level security: the database itself enforces roles, teams and visibility.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

The app runs every signed-in user's transaction as the non-login role
``calmap_app`` (``SET LOCAL ROLE``) with ``calmap.app_user`` naming the user.
Policies on the pin layers and areas then allow:
- reading: public and partnership pins to every active user; team-only pins to
  admins and to members of the team that owns the pin's area;
- writing: admins everywhere, editors only in the areas of their own teams,
  viewers nowhere.
The table owner (the CLI, QGIS and psql as the owner) is not subject to these
policies. History is written by a SECURITY DEFINER function, so the app role
cannot write or rewrite history itself.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
PIN_TABLES = ("resource", "partner", "need")
# Tables the app role may use at all; the pin layers and area also get policies.
APP_TABLES = (
    "app_user",
    "category",
    "team",
    "team_member",
    "area",
    "resource",
    "partner",
    "partnership",
    "partnership_area",
    "partnership_member",
    "need",
    "need_resource",
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION calmap_user_id() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id FROM app_user
    WHERE username = NULLIF(current_setting('calmap.app_user', true), '') AND active
$$;

CREATE OR REPLACE FUNCTION calmap_user_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT role FROM app_user
    WHERE username = NULLIF(current_setting('calmap.app_user', true), '') AND active
$$;

CREATE OR REPLACE FUNCTION calmap_in_area_team(target_area integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT EXISTS (
        SELECT 1 FROM area a JOIN team_member m ON m.team_id = a.team_id
        WHERE a.id = target_area AND m.user_id = calmap_user_id()
    )
$$;

CREATE OR REPLACE FUNCTION calmap_may_edit_area(target_area integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE calmap_user_role()
        WHEN 'admin' THEN true
        WHEN 'editor' THEN calmap_in_area_team(target_area)
        ELSE false
    END
$$;

CREATE OR REPLACE FUNCTION calmap_may_see(visibility text, target_area integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE
        WHEN calmap_user_role() IS NULL THEN false
        WHEN calmap_user_role() = 'admin' THEN true
        WHEN visibility IN ('public', 'partnership') THEN true
        ELSE calmap_user_role() = 'editor' AND calmap_in_area_team(target_area)
    END
$$;
"""


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        END $$
        """
    )
    # The connecting user must be a member to SET ROLE to it (superusers are anyway).
    op.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")
    op.execute(FUNCTIONS)
    op.execute("ALTER FUNCTION calmap_record_history() SECURITY DEFINER")
    op.execute("ALTER FUNCTION calmap_record_history() SET search_path = public")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    for table in APP_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON layer_history TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # Accounts are managed by the owner (CLI); the app role may only read them.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON app_user, team_member FROM {APP_ROLE}")

    for table in PIN_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP_ROLE} "
            "USING (calmap_may_see(visibility, area_id))"
        )
        op.execute(
            f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP_ROLE} "
            "WITH CHECK (calmap_may_edit_area(area_id))"
        )
        op.execute(
            f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO {APP_ROLE} "
            "USING (calmap_may_edit_area(area_id)) WITH CHECK (calmap_may_edit_area(area_id))"
        )
        op.execute(
            f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO {APP_ROLE} "
            "USING (calmap_may_edit_area(area_id))"
        )

    op.execute("ALTER TABLE area ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY area_read ON area FOR SELECT TO {APP_ROLE} USING (true)")
    op.execute(
        f"CREATE POLICY area_insert ON area FOR INSERT TO {APP_ROLE} "
        "WITH CHECK (calmap_user_role() = 'admin')"
    )
    op.execute(
        f"CREATE POLICY area_update ON area FOR UPDATE TO {APP_ROLE} "
        "USING (calmap_may_edit_area(id)) WITH CHECK (calmap_may_edit_area(id))"
    )
    op.execute(
        f"CREATE POLICY area_delete ON area FOR DELETE TO {APP_ROLE} "
        "USING (calmap_user_role() = 'admin')"
    )


def downgrade() -> None:
    for table in (*PIN_TABLES, "area"):
        for action in ("read", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{action} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("ALTER FUNCTION calmap_record_history() SECURITY INVOKER")
    for name in (
        "calmap_may_see(text, integer)",
        "calmap_may_edit_area(integer)",
        "calmap_in_area_team(integer)",
        "calmap_user_role()",
        "calmap_user_id()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {name}")
    for table in APP_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON layer_history FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
