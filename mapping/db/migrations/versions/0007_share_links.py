"""Share links: a read-only map for someone without an account, public pins only.

Revision ID: 0007_share_links
Revises: 0006
Create Date: 2026-12-06

An admin, or an editor of the team that owns the scope, makes a link to a city,
a team, a partnership or an area (``share_link``):

- **The token** is 256 random bits the app shows once; the table keeps only its
  SHA-256, like ``app_session``. An optional PIN is kept as a bcrypt hash
  (pgcrypto ``crypt``); neither hash is readable by the runtime role.
- **Expiry**: 30 days unless told, never more than 365 (a CHECK, so no code
  path can make a longer one). Revoking sets ``revoked_at``; nothing unrevokes.
- **Opening** goes through ``calmap_open_share_link`` (SECURITY DEFINER, like
  ``calmap_sign_in``): it refuses unknown, revoked and expired links at once,
  throttles wrong PINs (per link since its last opening, and per client, with
  the delays of ``calmap_sign_in_wait``), logs every attempt in
  ``share_link_opening``, stamps ``last_used_at`` and opens a *share session*:
  a row of ``app_session`` with ``share_link_id`` instead of a user.
- **A share session is a viewer with no account and no team**:
  ``calmap_user_id()`` stays NULL (so no team, no team area, no history
  author), ``calmap_user_role()`` says ``viewer`` while the link is open, and
  it stops at once when the link is revoked or expires. On top of a viewer's
  limits the policies give it public pins only (``partnership`` pins are for
  people of the partnership, and a link can be forwarded), no accounts, no team
  memberships and no history. It writes nothing: every write policy wants an
  admin or a team. The link's scope narrows the reads further in
  ``mapping.services.share_links`` (``calmap_share_scope()`` names it).

Who manages links (``calmap_may_share``): admins every link; an editor the
links of their teams, of the areas of their teams (and the areas inside
those), and of the partnerships their teams run; a city only an admin;
viewers none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_share_links"
down_revision = "0006"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
PIN_TABLES = ("resource", "partner", "need")

# The shorthands of 0006: uncorrelated sub-selects, evaluated once per statement.
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"
TEAM_AREAS = "CAST((SELECT calmap_team_area_ids()) AS integer[])"
# A person signed in with an account: not a share link.
PERSON = "(SELECT calmap_user_id()) IS NOT NULL"

DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"

# Every column but the two hashes: what the runtime role may read of a link.
READABLE_COLUMNS = (
    "id", "scope_kind", "scope_id", "scope_city", "label", "has_pin", "created_by",
    "created_at", "expires_at", "revoked_at", "revoked_by", "last_used_at",
)


def _pin_visible(visibility: str, area: str) -> str:
    # As 0006, but partnership pins need a person: a share session sees public ones only.
    vis = f"CAST({visibility} AS text)"
    return (
        f"({ADMIN} OR ({SIGNED_IN} AND {vis} = 'public') "
        f"OR ({PERSON} AND {vis} = 'partnership') "
        f"OR {area} = ANY ({TEAM_AREAS}))"
    )


FUNCTIONS = f"""
-- The open share link of the transaction's session, or NULL (no session, a
-- person's session, an ended one, or a link revoked or expired since).
CREATE OR REPLACE FUNCTION calmap_share_link_id() RETURNS integer
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT l.id FROM app_session s JOIN share_link l ON l.id = s.share_link_id
    WHERE s.token_hash = calmap_session_token_hash()
      AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()
      AND l.revoked_at IS NULL AND l.expires_at > clock_timestamp()
$$;

-- A person's role; 'viewer' for an open share link's session.
CREATE OR REPLACE FUNCTION calmap_user_role() RETURNS text
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT coalesce(
        (SELECT role FROM app_user WHERE id = calmap_user_id()),
        CASE WHEN calmap_share_link_id() IS NOT NULL THEN 'viewer' END)
$$;

-- The scope of the transaction's share session (no row without one).
CREATE OR REPLACE FUNCTION calmap_share_scope()
RETURNS TABLE (link_id integer, scope_kind text, scope_id integer, scope_city text,
               label text, expires_at timestamptz)
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT l.id, CAST(l.scope_kind AS text), l.scope_id, CAST(l.scope_city AS text),
           CAST(l.label AS text), l.expires_at
    FROM share_link l WHERE l.id = calmap_share_link_id()
$$;

-- Keep the transaction's share session open p_minutes more (at most a day, never
-- past its link's expiry); the link's id, or NULL when the session or link is over.
CREATE OR REPLACE FUNCTION calmap_touch_share_session(p_minutes integer) RETURNS integer
LANGUAGE sql VOLATILE {DEFINER} AS $$
    UPDATE app_session s
    SET last_seen_at = clock_timestamp(),
        expires_at = least(l.expires_at, clock_timestamp()
                           + make_interval(mins => least(greatest(p_minutes, 1), 1440)))
    FROM share_link l
    WHERE l.id = s.share_link_id AND l.revoked_at IS NULL AND l.expires_at > clock_timestamp()
      AND s.token_hash = calmap_session_token_hash()
      AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()
    RETURNING s.share_link_id
$$;

-- Whether the acting person may make, list and revoke links to this scope.
CREATE OR REPLACE FUNCTION calmap_may_share(p_kind text, p_id integer) RETURNS boolean
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT CASE
        WHEN calmap_user_id() IS NULL THEN false
        WHEN calmap_user_role() = 'admin' THEN true
        WHEN calmap_user_role() <> 'editor' THEN false
        WHEN p_kind = 'team' THEN p_id = ANY (calmap_team_ids())
        WHEN p_kind = 'partnership' THEN EXISTS (
            SELECT 1 FROM partnership p WHERE p.id = p_id AND p.team_id = ANY (calmap_team_ids()))
        -- An area of the team's, or inside one of them (as the team's map shows it).
        WHEN p_kind = 'area' THEN EXISTS (
            WITH RECURSIVE up (id, parent_id, team_id, depth) AS (
                SELECT a.id, a.parent_id, a.team_id, 0 FROM area a WHERE a.id = p_id
                UNION ALL
                SELECT a.id, a.parent_id, a.team_id, up.depth + 1
                FROM area a JOIN up ON a.id = up.parent_id WHERE up.depth < 32
            )
            SELECT 1 FROM up WHERE up.team_id = ANY (calmap_team_ids()))
        ELSE false
    END
$$;

-- Seconds to wait before the next try at a link: after 3 wrong PINs for the link
-- since it was last opened, or 10 wrong PINs or unknown links from one client
-- within the hour, 5 s, then doubling up to 15 minutes (as calmap_sign_in_wait).
CREATE OR REPLACE FUNCTION calmap_share_wait(p_link integer, p_client text) RETURNS integer
LANGUAGE sql STABLE {DEFINER} AS $$
    WITH by_link AS (
        SELECT count(*) AS n, max(at) AS last FROM share_link_opening
        WHERE link_id = p_link AND outcome = 'wrong_pin'
          AND at > clock_timestamp() - interval '1 hour'
          AND at > coalesce((SELECT max(at) FROM share_link_opening
                             WHERE link_id = p_link AND outcome = 'opened'), '-infinity')
    ), by_client AS (
        SELECT count(*) AS n, max(at) AS last FROM share_link_opening
        WHERE client = p_client AND outcome IN ('wrong_pin', 'unknown')
          AND at > clock_timestamp() - interval '1 hour'
    ), waits AS (
        SELECT CASE WHEN n < 3 THEN 0 ELSE extract(epoch FROM
            last + make_interval(secs => least(900, 5 * 2 ^ (n - 3))) - clock_timestamp()) END AS w
        FROM by_link
        UNION ALL
        SELECT CASE WHEN n < 10 THEN 0 ELSE extract(epoch FROM
            last + make_interval(secs => least(900, 5 * 2 ^ (n - 10))) - clock_timestamp()) END
        FROM by_client
    )
    SELECT greatest(0, ceil(max(w)))::integer FROM waits
$$;

-- Open a link: the outcome as logged (opened, pin_needed, wrong_pin, expired,
-- revoked, throttled, unknown); when opened, a share session's token lasting
-- p_minutes (at most a day, never past the link's expiry) and the link's scope.
CREATE OR REPLACE FUNCTION calmap_open_share_link(
    p_token text, p_pin text, p_client text, p_minutes integer
) RETURNS TABLE (outcome text, token text, retry_after integer, link_id integer,
                 scope_kind text, scope_id integer, scope_city text, label text,
                 expires_at timestamptz)
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
    who text := left(coalesce(p_client, ''), 200);
    link share_link%ROWTYPE;
    wait integer;
    session_token text;
BEGIN
    SELECT * INTO link FROM share_link l
    WHERE l.token_hash = sha256(convert_to(coalesce(p_token, ''), 'UTF8'));
    IF NOT FOUND THEN
        wait := calmap_share_wait(NULL, who);
        INSERT INTO share_link_opening (link_id, client, outcome)
        VALUES (NULL, who, CASE WHEN wait > 0 THEN 'throttled' ELSE 'unknown' END);
        RETURN QUERY SELECT CASE WHEN wait > 0 THEN 'throttled' ELSE 'unknown' END,
            NULL::text, wait, NULL::integer, NULL::text, NULL::integer, NULL::text,
            NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    -- A revoked or expired link is refused at once, throttled or not.
    IF link.revoked_at IS NOT NULL OR link.expires_at <= clock_timestamp() THEN
        outcome := CASE WHEN link.revoked_at IS NOT NULL THEN 'revoked' ELSE 'expired' END;
        INSERT INTO share_link_opening (link_id, client, outcome) VALUES (link.id, who, outcome);
        RETURN QUERY SELECT outcome, NULL::text, 0, link.id, NULL::text, NULL::integer,
            NULL::text, NULL::text, link.expires_at;
        RETURN;
    END IF;
    wait := calmap_share_wait(link.id, who);
    IF wait > 0 THEN
        outcome := 'throttled';
    ELSIF link.pin_hash IS NOT NULL AND coalesce(p_pin, '') = '' THEN
        outcome := 'pin_needed';
    ELSIF link.pin_hash IS NOT NULL AND crypt(p_pin, link.pin_hash) <> link.pin_hash THEN
        outcome := 'wrong_pin';
    ELSE
        outcome := 'opened';
    END IF;
    INSERT INTO share_link_opening (link_id, client, outcome) VALUES (link.id, who, outcome);
    IF outcome <> 'opened' THEN
        RETURN QUERY SELECT outcome, NULL::text, wait, link.id, NULL::text, NULL::integer,
            NULL::text, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    UPDATE share_link SET last_used_at = clock_timestamp() WHERE id = link.id;
    session_token := encode(gen_random_bytes(32), 'hex');
    INSERT INTO app_session (token_hash, share_link_id, client, expires_at)
    VALUES (sha256(convert_to(session_token, 'UTF8')), link.id, who, least(link.expires_at,
            clock_timestamp() + make_interval(mins => least(greatest(p_minutes, 1), 1440))));
    RETURN QUERY SELECT outcome, session_token, 0, link.id, CAST(link.scope_kind AS text),
        link.scope_id, CAST(link.scope_city AS text), CAST(link.label AS text), link.expires_at;
END
$$;
"""

OWNER_ONLY_FUNCTIONS = ("calmap_share_wait(integer, text)",)


def upgrade() -> None:
    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=True),
        sa.Column("scope_city", sa.String(length=100), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("pin_hash", sa.Text(), nullable=True),
        sa.Column(
            "has_pin", sa.Boolean(), sa.Computed("pin_hash IS NOT NULL", persisted=True),
            nullable=False,
        ),
        # The person who made it: the runtime role cannot name someone else (policy);
        # NULL when the owner made it (`calmap share create` without --user).
        sa.Column(
            "created_by", sa.Integer(), server_default=sa.text("calmap_user_id()"), nullable=True
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "expires_at", sa.DateTime(timezone=True),
            server_default=sa.text("now() + interval '30 days'"), nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope_kind IN ('city', 'team', 'partnership', 'area')", name="ck_share_link_scope_kind"
        ),
        sa.CheckConstraint(
            "CASE WHEN scope_kind = 'city' THEN scope_city IS NOT NULL AND scope_id IS NULL "
            "ELSE scope_id IS NOT NULL AND scope_city IS NULL END",
            name="ck_share_link_scope",
        ),
        sa.CheckConstraint(
            "expires_at > created_at AND expires_at <= created_at + interval '365 days'",
            name="ck_share_link_expiry",
        ),
        sa.CheckConstraint("octet_length(token_hash) = 32", name="ck_share_link_token_hash"),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["revoked_by"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_share_link_token_hash"),
    )
    op.create_index("ix_share_link_scope", "share_link", ["scope_kind", "scope_id"])
    op.create_table(
        "share_link_opening",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('opened', 'pin_needed', 'wrong_pin', 'expired', 'revoked', "
            "'throttled', 'unknown')",
            name="ck_share_link_opening_outcome",
        ),
        sa.ForeignKeyConstraint(["link_id"], ["share_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_share_link_opening_link", "share_link_opening", ["link_id", "at"])
    op.create_index("ix_share_link_opening_client", "share_link_opening", ["client", "at"])

    # A session is a person's or a share link's, never both.
    op.execute("ALTER TABLE app_session ALTER COLUMN user_id DROP NOT NULL")
    op.execute(
        "ALTER TABLE app_session ADD COLUMN share_link_id integer "
        "REFERENCES share_link(id) ON DELETE CASCADE"
    )
    op.execute(
        "ALTER TABLE app_session ADD CONSTRAINT ck_app_session_holder "
        "CHECK ((user_id IS NULL) <> (share_link_id IS NULL))"
    )
    op.execute("CREATE INDEX ix_app_session_share_link ON app_session (share_link_id)")

    op.execute(FUNCTIONS)
    for signature in OWNER_ONLY_FUNCTIONS:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")

    # Links: read (without the hashes), made and revoked under the policies below;
    # the log is written only by calmap_open_share_link.
    op.execute("REVOKE ALL ON share_link, share_link_opening FROM PUBLIC")
    op.execute(f"GRANT SELECT ({', '.join(READABLE_COLUMNS)}) ON share_link TO {APP_ROLE}")
    op.execute(
        f"GRANT INSERT (token_hash, scope_kind, scope_id, scope_city, label, pin_hash, "
        f"created_by, expires_at) ON share_link TO {APP_ROLE}"
    )
    op.execute(f"GRANT UPDATE (revoked_at, revoked_by) ON share_link TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE share_link_id_seq TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON share_link_opening TO {APP_ROLE}")
    for table in ("share_link", "share_link_opening"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    may_share = "calmap_may_share(CAST(scope_kind AS text), scope_id)"
    own = "created_by IS NOT DISTINCT FROM (SELECT calmap_user_id())"
    op.execute(f"CREATE POLICY share_link_select ON share_link FOR SELECT TO {APP_ROLE} "
               f"USING ({may_share})")
    op.execute(
        f"CREATE POLICY share_link_insert ON share_link FOR INSERT TO {APP_ROLE} "
        f"WITH CHECK ({may_share} AND {own} AND revoked_at IS NULL AND last_used_at IS NULL)"
    )
    # Revoking is the only change, and it is for good.
    op.execute(
        f"CREATE POLICY share_link_update ON share_link FOR UPDATE TO {APP_ROLE} "
        f"USING ({may_share} AND revoked_at IS NULL) WITH CHECK ({may_share} "
        "AND revoked_at IS NOT NULL AND revoked_by IS NOT DISTINCT FROM (SELECT calmap_user_id()))"
    )
    op.execute(
        f"CREATE POLICY share_link_opening_select ON share_link_opening FOR SELECT "
        f"TO {APP_ROLE} USING ({ADMIN} OR EXISTS "
        "(SELECT 1 FROM share_link l WHERE l.id = link_id))"
    )

    # A share session: public pins only; no accounts, memberships or history.
    for table in PIN_TABLES:
        op.execute(f"DROP POLICY {table}_select ON {table}")
        op.execute(
            f"CREATE POLICY {table}_select ON {table} FOR SELECT TO {APP_ROLE} "
            f"USING ({_pin_visible('visibility', 'area_id')})"
        )
    for table in ("app_user", "team_member"):
        op.execute(f"DROP POLICY {table}_select ON {table}")
        op.execute(
            f"CREATE POLICY {table}_select ON {table} FOR SELECT TO {APP_ROLE} USING ({PERSON})"
        )
    pin_version = _pin_visible("row_data->>'visibility'", "(row_data->>'area_id')::integer")
    op.execute("DROP POLICY layer_history_select ON layer_history")
    op.execute(
        f"CREATE POLICY layer_history_select ON layer_history FOR SELECT TO {APP_ROLE} "
        f"USING ({PERSON} AND CASE WHEN CAST(table_name AS text) IN ('resource', 'partner', "
        f"'need') THEN {pin_version} ELSE {SIGNED_IN} END)"
    )


def downgrade() -> None:
    # The share sessions would be left without a holder: restore a backup instead.
    raise NotImplementedError("0007_share_links cannot be downgraded: restore a backup")
