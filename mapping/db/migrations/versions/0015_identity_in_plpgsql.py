"""Who is acting, found in a fraction of the time: the identity functions in PL/pgSQL.

Revision ID: 0015_identity_in_plpgsql
Revises: 0014_history_by_table
Create Date: 2026-12-07

Every policy reads the acting user through ``calmap_user_role()``,
``calmap_user_id()`` and ``calmap_team_area_ids()`` (once per statement and
table, as init plans), and the history trigger through ``calmap_username()``.
They were SQL functions with a ``SET search_path`` clause, which PostgreSQL
never inlines and plans afresh on every call (a SQL function's plan lives only
as long as the statement that called it): ``calmap_user_role()`` cost about
0.6 ms and ``calmap_team_area_ids()`` about 1 ms, a dozen of them in one
editor read. A PL/pgSQL function keeps its statements' plans for the
connection's life, so each call is a few hundredths of a millisecond.

The bodies, their volatility, ``SECURITY DEFINER``, the ``search_path`` with
``pg_temp`` last, owners and grants are unchanged (``CREATE OR REPLACE`` keeps
the last two): only the language changes. Downgrade puts the SQL bodies back.
"""

from alembic import op

revision = "0015_identity_in_plpgsql"
down_revision = "0014_history_by_table"
branch_labels = None
depends_on = None

DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"

# name → (result type, security clause, the one query giving the result).
BODIES = {
    "calmap_session_token_hash": (
        "bytea", "SET search_path = public, pg_temp",
        "SELECT sha256(convert_to(NULLIF(current_setting('calmap.session', true), ''), 'UTF8'))",
    ),
    "calmap_user_id": (
        "integer", DEFINER,
        """SELECT s.user_id FROM app_session s JOIN app_user u ON u.id = s.user_id
    WHERE s.token_hash = calmap_session_token_hash()
      AND s.ended_at IS NULL AND s.expires_at > clock_timestamp() AND u.active""",
    ),
    "calmap_share_link_id": (
        "integer", DEFINER,
        """SELECT l.id FROM app_session s JOIN share_link l ON l.id = s.share_link_id
    WHERE s.token_hash = calmap_session_token_hash()
      AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()
      AND l.revoked_at IS NULL AND l.expires_at > clock_timestamp()""",
    ),
    "calmap_user_role": (
        "text", DEFINER,
        """SELECT coalesce(
        (SELECT role FROM app_user WHERE id = calmap_user_id()),
        CASE WHEN calmap_share_link_id() IS NOT NULL THEN 'viewer' END)""",
    ),
    "calmap_username": (
        "text", DEFINER,
        "SELECT username FROM app_user WHERE id = calmap_user_id()",
    ),
    "calmap_team_ids": (
        "integer[]", DEFINER,
        """SELECT coalesce(array_agg(m.team_id), '{}')
    FROM team_member m
    WHERE m.user_id = calmap_user_id() AND calmap_user_role() = 'editor'""",
    ),
    "calmap_team_area_ids": (
        "integer[]", DEFINER,
        """SELECT coalesce(array_agg(a.id), '{}')
    FROM area a JOIN team_member m ON m.team_id = a.team_id
    WHERE m.user_id = calmap_user_id() AND calmap_user_role() = 'editor'""",
    ),
}


def _function(name: str, language: str) -> str:
    returns, security, query = BODIES[name]
    if language == "plpgsql":
        body = f"BEGIN\n    RETURN ({query});\nEND"
    else:
        body = query
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS {returns}\n"
        f"LANGUAGE {language} STABLE {security} AS $$\n    {body}\n$$;"
    )


def upgrade() -> None:
    """Recreate the identity functions in PL/pgSQL (same bodies, plans kept)."""
    for name in BODIES:
        op.execute(_function(name, "plpgsql"))


def downgrade() -> None:
    """Put the SQL-language functions back."""
    for name in BODIES:
        op.execute(_function(name, "sql"))
