"""History for the resources linked by hand to a need.

Revision ID: 0010_need_resource_history
Revises: 0009_streets
Create Date: 2026-12-06

- ``need_resource`` gets what ``need_partner`` got in 0008: its own ``id`` (the
  pair ``need_id, resource_id`` stays unique), so ``calmap_record_history``
  records every link and unlink with the user who made it. Existing links are
  kept and numbered.
- ``layer_history``: a version of a need's resource link is visible to whoever
  may see both ends (the sub-selects run under the need's and the resource's
  policies), so a team-only need's link never shows through history.

Downgrade drops the history trigger, the id and the policy case and restores
the pair as primary key; the links themselves are kept. The link versions
already in ``layer_history`` are deleted: under the old policy they would fall
to its ELSE branch (any signed-in person) and show a team-only need's links.
"""

from alembic import op

revision = "0010_need_resource_history"
down_revision = "0009_streets"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"

# The shorthands of 0006-0008: uncorrelated sub-selects, evaluated once per statement.
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"
TEAM_AREAS = "CAST((SELECT calmap_team_area_ids()) AS integer[])"
PERSON = "(SELECT calmap_user_id()) IS NOT NULL"


def _pin_visible(visibility: str, area: str) -> str:
    vis = f"CAST({visibility} AS text)"
    return (
        f"({ADMIN} OR ({SIGNED_IN} AND {vis} = 'public') "
        f"OR ({PERSON} AND {vis} = 'partnership') "
        f"OR {area} = ANY ({TEAM_AREAS}))"
    )


def _history_policy(with_resource_links: bool) -> str:
    pin_version = _pin_visible("row_data->>'visibility'", "(row_data->>'area_id')::integer")
    action_version = "EXISTS (SELECT 1 FROM need n WHERE n.id = (row_data->>'need_id')::integer)"
    link_version = (
        "EXISTS (SELECT 1 FROM action a WHERE a.id = (row_data->>'action_id')::integer)"
    )
    need_link_version = (
        "EXISTS (SELECT 1 FROM need n WHERE n.id = (row_data->>'need_id')::integer) "
        "AND EXISTS (SELECT 1 FROM partner p WHERE p.id = (row_data->>'partner_id')::integer)"
    )
    resource_link_version = (
        "EXISTS (SELECT 1 FROM need n WHERE n.id = (row_data->>'need_id')::integer) "
        "AND EXISTS (SELECT 1 FROM resource r WHERE r.id = (row_data->>'resource_id')::integer)"
    )
    resource_case = (
        f"WHEN CAST(table_name AS text) = 'need_resource' "
        f"THEN ({ADMIN} OR ({resource_link_version})) "
        if with_resource_links
        else ""
    )
    return (
        f"CREATE POLICY layer_history_select ON layer_history FOR SELECT TO {APP_ROLE} "
        f"USING ({PERSON} AND CASE "
        f"WHEN CAST(table_name AS text) IN ('resource', 'partner', 'need') THEN {pin_version} "
        f"WHEN CAST(table_name AS text) = 'action' THEN ({ADMIN} OR {action_version}) "
        f"WHEN CAST(table_name AS text) = 'action_partner' THEN ({ADMIN} OR {link_version}) "
        f"WHEN CAST(table_name AS text) = 'need_partner' THEN ({ADMIN} OR ({need_link_version})) "
        f"{resource_case}"
        f"ELSE {SIGNED_IN} END)"
    )


def upgrade() -> None:
    op.execute("ALTER TABLE need_resource DROP CONSTRAINT need_resource_pkey")
    op.execute("ALTER TABLE need_resource ADD COLUMN id serial")
    op.execute("ALTER TABLE need_resource ADD CONSTRAINT need_resource_pkey PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE need_resource ADD CONSTRAINT uq_need_resource UNIQUE (need_id, resource_id)"
    )
    op.create_index("ix_need_resource_resource_id", "need_resource", ["resource_id"])
    op.execute(
        "CREATE TRIGGER need_resource_history AFTER INSERT OR UPDATE OR DELETE ON need_resource "
        "FOR EACH ROW EXECUTE FUNCTION calmap_record_history()"
    )
    op.execute(f"GRANT USAGE ON SEQUENCE need_resource_id_seq TO {APP_ROLE}")
    op.execute("DROP POLICY layer_history_select ON layer_history")
    op.execute(_history_policy(with_resource_links=True))


def downgrade() -> None:
    # Before the policy loses its case for them: see the module's docstring.
    op.execute("DELETE FROM layer_history WHERE table_name = 'need_resource'")
    op.execute("DROP POLICY layer_history_select ON layer_history")
    op.execute(_history_policy(with_resource_links=False))
    op.execute("DROP TRIGGER IF EXISTS need_resource_history ON need_resource")
    op.drop_index("ix_need_resource_resource_id", table_name="need_resource")
    op.execute("ALTER TABLE need_resource DROP CONSTRAINT uq_need_resource")
    op.execute("ALTER TABLE need_resource DROP CONSTRAINT need_resource_pkey")
    op.execute("ALTER TABLE need_resource DROP COLUMN id")
    op.execute(
        "ALTER TABLE need_resource ADD CONSTRAINT need_resource_pkey "
        "PRIMARY KEY (need_id, resource_id)"
    )
